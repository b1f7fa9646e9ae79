return RandSac.Cli.CliApp.Run(args, Console.Out, Console.Error);
