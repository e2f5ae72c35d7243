namespace Keylime.Tenant.Cli;

/// <summary>
/// What the user asked for, with Keylime's option names (keylime/tenant.py <c>main()</c>). Null means
/// "not given" so configuration values apply, as in Keylime.
/// </summary>
public sealed record TenantArguments
{
    /// <summary>The agent id Keylime's tenant falls back to (with a warning) when <c>-u</c> is absent.</summary>
    public const string DefaultAgentUuid = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000";

    public string Command { get; init; } = "add";
    public bool PushModel { get; init; }
    public string AgentUuid { get; init; } = DefaultAgentUuid;
    public bool AgentUuidGiven { get; init; }
    public string? AgentIp { get; init; }
    public string? AgentPort { get; init; }
    public string? CvAgentIp { get; init; }
    public string? VerifierIp { get; init; }
    public string? VerifierPort { get; init; }
    public string? VerifierId { get; init; }
    public string? RegistrarIp { get; init; }
    public string? RegistrarPort { get; init; }
    public bool VerifierCheck { get; init; } = true;
    public string? TpmPolicy { get; init; }
    public string? RuntimePolicy { get; init; }
    public string? RuntimePolicyName { get; init; }
    public string? RuntimePolicyChecksum { get; init; }
    public string? RuntimePolicySigKey { get; init; }
    public string? MbPolicy { get; init; }
    public string? MbPolicyName { get; init; }
    public string? AgentApiVersion { get; init; }
}
