// Before anything loads LibTorch: MKL's kernel choice is made when LibTorch binds its symbols.
RandSac.Platform.NativeTuning.Apply();
return RandSac.Cli.CliApp.Run(args, Console.Out, Console.Error);
