using System.Text.Json.Nodes;

namespace Keylime.Verifier.Tests.Support;

/// <summary>
/// Request bodies exactly as Keylime's Python tenant sends them (spec/captures/verifier.md #2, #16):
/// <c>verifier_port</c> as a string, <c>tpm_policy</c> and <c>metadata</c> as JSON strings.
/// </summary>
public static class TenantBodies
{
    public const string MaskOnlyPolicy = "{\"mask\": \"0x0\"}";

    public const string Pcr23Policy =
        "{\"23\": [\"0000000000000000000000000000000000000000000000000000000000000000\"], \"mask\": \"0x800000\"}";

    public static JsonObject Enroll(string? ak = null, string tpmPolicy = MaskOnlyPolicy) => new()
    {
        ["v"] = null,
        ["cloudagent_ip"] = "127.0.0.1",
        ["cloudagent_port"] = 9002,
        ["verifier_ip"] = "127.0.0.1",
        ["verifier_port"] = "18881",
        ["tpm_policy"] = tpmPolicy,
        ["runtime_policy"] = "",
        ["runtime_policy_name"] = "",
        ["runtime_policy_key"] = "",
        ["mb_policy"] = null,
        ["mb_policy_name"] = "",
        ["ima_sign_verification_keys"] = "",
        ["metadata"] = "{}",
        ["revocation_key"] = "",
        ["accept_tpm_hash_algs"] = new JsonArray("sha512", "sha384", "sha256"),
        ["accept_tpm_encryption_algs"] = new JsonArray("ecc", "rsa"),
        ["accept_tpm_signing_algs"] = new JsonArray("ecschnorr", "rsassa"),
        ["ak_tpm"] = ak ?? Fixtures.AkRsa,
        ["mtls_cert"] = null,
        ["supported_version"] = "1.0",
    };

    /// <summary>A runtime policy that satisfies Keylime's upload schema (generator 2 = a compatible allowlist).</summary>
    public const string RuntimePolicyJson =
        """{"meta": {"version": 1, "generator": 2}, "release": 0, "digests": {"/usr/bin/dd": ["1350320e5f7f51553bac8aa403489a1b135bc101"]}, "excludes": ["/tmp/.*"], "keyrings": {}, "ima": {"ignored_keyrings": [], "log_hash_alg": "sha1", "dm_policy": null}, "ima-buf": {}, "verification-keys": ""}""";

    /// <summary><see cref="RuntimePolicyJson"/> base64-encoded, as the tenant sends it.</summary>
    public static string RuntimePolicyBase64 => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(RuntimePolicyJson));

    public static string MbPolicyText => Fixtures.Text("data", "measured-boot", "example_reference_state.json");
}
