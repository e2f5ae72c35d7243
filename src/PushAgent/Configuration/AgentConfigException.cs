namespace Keylime.PushAgent.Configuration;

/// <summary>
/// Configuration that stops the agent before it starts. The message is the one line printed to
/// stderr: where the value came from, which option, what was expected.
/// </summary>
public sealed class AgentConfigException : Exception
{
    public AgentConfigException(string message)
        : base(message)
    {
    }

    public AgentConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
