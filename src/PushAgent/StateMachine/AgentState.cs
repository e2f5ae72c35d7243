namespace Keylime.PushAgent.StateMachine;

/// <summary>The agent's states (spec/push-agent.md §2.1).</summary>
public enum AgentState
{
    Unregistered,
    Registered,
    Negotiating,
    Attesting,
    RegistrationFailed,
    AttestationFailed,
}

/// <summary>
/// The two ids of an agent: the one it registers with (config <c>uuid</c>, or the EK hash for
/// <c>hash_ek</c>) and the one it attests as (<c>--agent-identifier</c> when given).
/// </summary>
public sealed record AgentIdentity(string RegistrationId, string VerifierId);
