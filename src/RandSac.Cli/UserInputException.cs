namespace RandSac.Cli;

/// <summary>A problem with what the user asked for; reported as one line, exit code 2.</summary>
public sealed class UserInputException(string message) : Exception(message);
