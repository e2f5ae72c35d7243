using System.Text;
using System.Text.Json.Nodes;
using Keylime.Tenant.Output;
using Keylime.Tenant.Policies;
using Keylime.Tenant.Registrar;

namespace Keylime.Tenant.Agents;

/// <summary>
/// The body of <c>POST /v2.x/agents/{id}</c> exactly as Keylime's tenant sends it (do_cvadd;
/// spec/verifier.md §4.1, spec/captures/verifier.md #2): same keys in the same order, <c>tpm_policy</c>
/// and <c>metadata</c> as JSON strings, <c>verifier_port</c> as a string, the AK copied verbatim from
/// the registrar, and the whole document spelled by Python's json.dumps.
/// </summary>
public static class EnrollmentBody
{
    /// <summary>Inputs that are not policies.</summary>
    /// <param name="CloudAgentIp">-t / --cv_targethost, else the registrar's <c>ip</c>.</param>
    /// <param name="CloudAgentPort">-tp (a string), else the registrar's <c>port</c> (as the registrar spelled it).</param>
    /// <param name="SupportedVersion">The agent API version (<c>"1.0"</c> when the agent registered no mTLS certificate).</param>
    public sealed record Target(
        JsonNode? CloudAgentIp,
        JsonNode? CloudAgentPort,
        string VerifierIp,
        string VerifierPort,
        string SupportedVersion,
        IReadOnlyList<string> AcceptTpmHashAlgs,
        IReadOnlyList<string> AcceptTpmEncryptionAlgs,
        IReadOnlyList<string> AcceptTpmSigningAlgs);

    public static JsonObject Build(Target target, PolicyInputs policies, RegistrarAgent agent) => new()
    {
        ["v"] = null, // no payload: push-model agents never receive a bootstrap key
        ["cloudagent_ip"] = target.CloudAgentIp?.DeepClone(),
        ["cloudagent_port"] = target.CloudAgentPort?.DeepClone(),
        ["verifier_ip"] = target.VerifierIp,
        ["verifier_port"] = target.VerifierPort,
        ["tpm_policy"] = policies.TpmPolicy.ToJsonString(),
        ["runtime_policy"] = policies.RuntimePolicy,
        ["runtime_policy_name"] = policies.RuntimePolicyName,
        ["runtime_policy_key"] = policies.RuntimePolicyKey,
        ["mb_policy"] = policies.MbPolicy,
        ["mb_policy_name"] = policies.MbPolicyName,
        ["ima_sign_verification_keys"] = "",
        ["metadata"] = "{}",
        ["revocation_key"] = "",
        ["accept_tpm_hash_algs"] = Strings(target.AcceptTpmHashAlgs),
        ["accept_tpm_encryption_algs"] = Strings(target.AcceptTpmEncryptionAlgs),
        ["accept_tpm_signing_algs"] = Strings(target.AcceptTpmSigningAlgs),
        ["ak_tpm"] = agent.AikTpm?.DeepClone(),
        ["mtls_cert"] = agent.MtlsCert?.DeepClone(),
        ["supported_version"] = target.SupportedVersion,
    };

    /// <summary>The bytes on the wire.</summary>
    public static byte[] Encode(JsonObject body) => Encoding.UTF8.GetBytes(PythonJson.Dumps(body));

    private static JsonArray Strings(IReadOnlyList<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
