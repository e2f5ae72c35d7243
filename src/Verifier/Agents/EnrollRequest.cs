using System.Text.Json.Serialization;
using Keylime.Verifier.Api;

namespace Keylime.Verifier.Agents;

/// <summary>
/// The enrollment body (spec/verifier.md §4.1; captures/verifier.md #2), as <c>keylime_tenant -c add</c>
/// sends it to <c>POST /v2.x/agents/{id}</c>, and the attributes of <c>POST /v3/agents</c>.
/// <c>cloudagent_ip</c>/<c>cloudagent_port</c> are not read: in push mode the verifier never
/// connects to the agent.
/// </summary>
public sealed record EnrollRequest
{
    /// <summary>Only in v3 documents (v2 takes the id from the path).</summary>
    [JsonPropertyName("agent_id")]
    public string? AgentId { get; init; }

    [JsonPropertyName("v")]
    public string? V { get; init; }

    [JsonPropertyName("verifier_ip"), JsonConverter(typeof(LenientStringConverter))]
    public string? VerifierIp { get; init; }

    [JsonPropertyName("verifier_port"), JsonConverter(typeof(LenientInt32Converter))]
    public int? VerifierPort { get; init; }

    [JsonPropertyName("tpm_policy"), JsonConverter(typeof(JsonTextConverter))]
    public string? TpmPolicy { get; init; }

    /// <summary>Base64 of the runtime policy JSON; "" = none.</summary>
    [JsonPropertyName("runtime_policy")]
    public string? RuntimePolicy { get; init; }

    [JsonPropertyName("runtime_policy_name")]
    public string? RuntimePolicyName { get; init; }

    [JsonPropertyName("runtime_policy_key")]
    public string? RuntimePolicyKey { get; init; }

    /// <summary>Measured-boot reference state as JSON text (or object); null = none.</summary>
    [JsonPropertyName("mb_policy"), JsonConverter(typeof(JsonTextConverter))]
    public string? MbPolicy { get; init; }

    [JsonPropertyName("mb_policy_name")]
    public string? MbPolicyName { get; init; }

    [JsonPropertyName("ima_sign_verification_keys"), JsonConverter(typeof(JsonTextConverter))]
    public string? ImaSignVerificationKeys { get; init; }

    [JsonPropertyName("metadata"), JsonConverter(typeof(JsonTextConverter))]
    public string? Metadata { get; init; }

    [JsonPropertyName("revocation_key")]
    public string? RevocationKey { get; init; }

    [JsonPropertyName("accept_tpm_hash_algs")]
    public List<string>? AcceptTpmHashAlgs { get; init; }

    [JsonPropertyName("accept_tpm_encryption_algs")]
    public List<string>? AcceptTpmEncryptionAlgs { get; init; }

    [JsonPropertyName("accept_tpm_signing_algs")]
    public List<string>? AcceptTpmSigningAlgs { get; init; }

    /// <summary>Base64 (or hex) TPM2B_PUBLIC of the AK, as the registrar's <c>aik_tpm</c>.</summary>
    [JsonPropertyName("ak_tpm")]
    public string? AkTpm { get; init; }

    [JsonPropertyName("mtls_cert")]
    public string? MtlsCert { get; init; }

    [JsonPropertyName("supported_version"), JsonConverter(typeof(LenientStringConverter))]
    public string? SupportedVersion { get; init; }
}
