namespace Keylime.Shared.Configuration;

/// <summary>
/// A configuration problem that stops start-up. The message is one line naming where the value
/// came from (file or environment variable), the section and the key, so an operator can fix it
/// without reading a stack trace.
/// </summary>
public sealed class KeylimeConfigException : Exception
{
    public KeylimeConfigException(string message)
        : base(message)
    {
    }

    public KeylimeConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
