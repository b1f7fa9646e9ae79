namespace RandSac.Data;

/// <summary>
/// A problem with input data (missing or malformed files, bad sizes). The message is one
/// line naming the file or folder and the problem, so a command-line tool can print it as is.
/// </summary>
public sealed class DataException : Exception
{
    public DataException(string message)
        : base(OneLine(message))
    {
    }

    public DataException(string message, Exception innerException)
        : base(OneLine(message), innerException)
    {
    }

    // Messages are built from file names and inner exception texts, which may carry line
    // breaks; the contract is one line.
    static string OneLine(string message) =>
        message.Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ');
}
