using System.Text.Json.Serialization;

namespace Keylime.Verifier.Agents;

/// <summary>
/// An agent's status as <c>GET /v2.x/agents/{id}</c> returns it (spec/verifier.md §4.2,
/// captures/verifier.md #3): every key always present, in Keylime's order.
/// </summary>
public sealed record AgentStatus
{
    [JsonPropertyName("operational_state")] public int? OperationalState { get; init; }
    [JsonPropertyName("v")] public string? V { get; init; }
    [JsonPropertyName("ip")] public string? Ip { get; init; }
    [JsonPropertyName("port")] public int? Port { get; init; }
    [JsonPropertyName("tpm_policy")] public required string TpmPolicy { get; init; }
    [JsonPropertyName("meta_data")] public required string MetaData { get; init; }
    [JsonPropertyName("has_mb_refstate")] public int HasMbRefstate { get; init; }
    [JsonPropertyName("has_runtime_policy")] public int HasRuntimePolicy { get; init; }
    [JsonPropertyName("accept_tpm_hash_algs")] public required IReadOnlyList<string> AcceptTpmHashAlgs { get; init; }
    [JsonPropertyName("accept_tpm_encryption_algs")] public required IReadOnlyList<string> AcceptTpmEncryptionAlgs { get; init; }
    [JsonPropertyName("accept_tpm_signing_algs")] public required IReadOnlyList<string> AcceptTpmSigningAlgs { get; init; }
    [JsonPropertyName("hash_alg")] public required string HashAlg { get; init; }
    [JsonPropertyName("enc_alg")] public required string EncAlg { get; init; }
    [JsonPropertyName("sign_alg")] public required string SignAlg { get; init; }
    [JsonPropertyName("verifier_id")] public required string VerifierId { get; init; }
    [JsonPropertyName("verifier_ip")] public string? VerifierIp { get; init; }
    [JsonPropertyName("verifier_port")] public int? VerifierPort { get; init; }
    [JsonPropertyName("severity_level")] public int? SeverityLevel { get; init; }
    [JsonPropertyName("last_event_id")] public string? LastEventId { get; init; }
    [JsonPropertyName("attestation_count")] public int AttestationCount { get; init; }
    [JsonPropertyName("last_received_quote")] public long LastReceivedQuote { get; init; }
    [JsonPropertyName("last_successful_attestation")] public long LastSuccessfulAttestation { get; init; }

    /// <summary>Push-mode verdict: PENDING, PASS, FAIL or TIMEOUT (see <see cref="AttestationStatus"/>).</summary>
    [JsonPropertyName("attestation_status")] public required string AttestationStatus { get; init; }

    /// <summary><c>"&lt;quote_interval&gt;s"</c>: the cadence the verifier asks agents to keep.</summary>
    [JsonPropertyName("attestation_period")] public required string AttestationPeriod { get; init; }

    /// <summary><c>"&lt;quote_interval × 5&gt;s"</c>: silence longer than this flags the agent (TIMEOUT).</summary>
    [JsonPropertyName("maximum_attestation_interval")] public required string MaximumAttestationInterval { get; init; }

    /// <summary>Extra to Keylime: whether the verifier currently accepts this agent's attestations (v3 only).</summary>
    [JsonPropertyName("accept_attestations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? AcceptAttestations { get; init; }
}

/// <summary>The push-mode <c>attestation_status</c> rule (spec/verifier.md §4.2 table).</summary>
public static class AttestationStatus
{
    public const string Pending = "PENDING";
    public const string Pass = "PASS";
    public const string Fail = "FAIL";
    public const string Timeout = "TIMEOUT";

    public static string Of(bool acceptAttestations, int? consecutiveFailures, int attestationCount) =>
        (consecutiveFailures ?? 0) > 0 ? Fail
        : !acceptAttestations ? Timeout
        : attestationCount > 0 ? Pass
        : Pending;
}
