using System.Text.Json.Serialization;
using Keylime.Verifier.Api;

namespace Keylime.Verifier.Agents;

/// <summary>
/// <c>PATCH /v3/agents/{id}</c> attributes: the enrollment choices an admin may change in place
/// (Keylime's tenant can only delete and re-add). Absent members are left unchanged; the attestation
/// side re-reads the agent before each verification, so changes apply to the next one.
/// </summary>
public sealed record AgentPatch
{
    [JsonPropertyName("tpm_policy"), JsonConverter(typeof(JsonTextConverter))]
    public string? TpmPolicy { get; init; }

    [JsonPropertyName("runtime_policy_name")]
    public string? RuntimePolicyName { get; init; }

    [JsonPropertyName("mb_policy_name")]
    public string? MbPolicyName { get; init; }

    [JsonPropertyName("accept_tpm_hash_algs")]
    public List<string>? AcceptTpmHashAlgs { get; init; }

    [JsonPropertyName("accept_tpm_encryption_algs")]
    public List<string>? AcceptTpmEncryptionAlgs { get; init; }

    [JsonPropertyName("accept_tpm_signing_algs")]
    public List<string>? AcceptTpmSigningAlgs { get; init; }

    [JsonPropertyName("metadata"), JsonConverter(typeof(JsonTextConverter))]
    public string? Metadata { get; init; }

    /// <summary>True re-activates like <c>PUT .../reactivate</c>; false stops accepting attestations.</summary>
    [JsonPropertyName("accept_attestations")]
    public bool? AcceptAttestations { get; init; }
}
