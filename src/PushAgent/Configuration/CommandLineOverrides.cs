namespace Keylime.PushAgent.Configuration;

/// <summary>
/// What the command line says (spec/push-agent.md §1.1). Unlike the Rust agent every flag takes
/// effect: <c>--registrar-url</c> and <c>--attestation-interval-seconds</c> override agent.conf.
/// Null means "not given".
/// </summary>
public sealed record CommandLineOverrides
{
    public string? VerifierUrl { get; init; }
    public string? RegistrarUrl { get; init; }
    public string? AgentIdentifier { get; init; }
    public int? AttestationIntervalSeconds { get; init; }
    public string? CaCertificate { get; init; }
    public string? ApiVersion { get; init; }
    public int? TimeoutMilliseconds { get; init; }
    public bool Insecure { get; init; }
    public bool AvoidTpm { get; init; }
}
