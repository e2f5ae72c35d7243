using System.Text.Json.Serialization;

namespace Keylime.PushAgent.Protocol;

// Wire types of the PoP session exchange (spec/push-agent.md §5, spec/verifier.md). They carry data
// only: transport lives in Clients/, decisions in StateMachine/.

public sealed record SessionRequest(SessionRequestData Data);

public sealed record SessionRequestData(
    string Type,
    SessionRequestAttributes Attributes,
    [property: JsonPropertyOrder(-1)] string? Id = null);

public sealed record SessionRequestAttributes(
    string AgentId,
    IReadOnlyList<AuthenticationMethod>? AuthenticationSupported = null,
    IReadOnlyList<AuthenticationProof>? AuthenticationProvided = null);

public sealed record AuthenticationMethod(string AuthenticationClass, string AuthenticationType)
{
    /// <summary>The only method Keylime defines: TPM2_Certify of the AK over the verifier's challenge.</summary>
    public static AuthenticationMethod TpmPop { get; } = new("pop", "tpm_pop");
}

public sealed record AuthenticationProof(string AuthenticationClass, string AuthenticationType, ProofData Data);

public sealed record ProofData(string Message, string Signature);

public sealed record SessionResponse(SessionResponseData? Data);

public sealed record SessionResponseData(string? Type, string? Id, SessionResponseAttributes? Attributes);

public sealed record SessionResponseAttributes(
    string? AgentId,
    IReadOnlyList<AuthenticationRequest>? AuthenticationRequested,
    string? Evaluation,
    string? Token,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? ChallengesExpireAt,
    DateTimeOffset? TokenExpiresAt);

public sealed record AuthenticationRequest(string? AuthenticationClass, string? AuthenticationType, ChallengeParameters? ChosenParameters);

public sealed record ChallengeParameters(string? Challenge);
