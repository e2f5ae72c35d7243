using System.Text;
using System.Text.Json.Nodes;
using Keylime.Tenant.Agents;
using Keylime.Tenant.Cli;
using Keylime.Tenant.Output;
using Keylime.Tenant.Policies;
using Keylime.Tenant.Registrar;
using Keylime.Tenant.Tests.Support;
using Keylime.TestSupport;

namespace Keylime.Tenant.Tests.Agents;

/// <summary>
/// The enrollment body byte for byte as Keylime's tenant sent it in spec/captures/verifier.md #2 and
/// #16. The digest pretty-prints bodies and shortens the AK, so the checks are: same document (keys,
/// order, values) in Python's spelling, and exactly the captured Content-Length once the shortened AK is
/// replaced by a real RSA-2048 AK of the same length.
/// </summary>
public class EnrollmentBodyTests
{
    private static readonly string AkTpm = Convert.ToBase64String(File.ReadAllBytes(SharedData.Path("tpm-vectors", "ak", "ak_rsa.pub")));

    /// <summary>The registrar record of spec/captures/registrar_tls.md #2 (ip 127.0.0.1, port 9002, no mTLS cert).</summary>
    internal static RegistrarAgent CapturedRegistrarAgent()
    {
        var response = Captures.Exchange("registrar_tls.md", 2).ResponseBody!;
        var results = (JsonObject)JsonNode.Parse(response)!["results"]!.DeepClone();
        results["aik_tpm"] = AkTpm;
        return new RegistrarAgent(results);
    }

    private static EnrollmentBody.Target CapturedTarget(RegistrarAgent agent) => new(
        agent.Ip, agent.Port, "127.0.0.1", "18881", "1.0",
        ["sha512", "sha384", "sha256"], ["ecc", "rsa"], ["ecschnorr", "rsassa"]);

    private static (string Sent, string Captured, int CapturedLength) Compare(int exchange, string? tpmPolicy)
    {
        var capture = Captures.Exchange("verifier.md", exchange);
        var agent = CapturedRegistrarAgent();
        var policies = PolicyInputs.From(new TenantArguments { PushModel = true, TpmPolicy = tpmPolicy }, "");
        var sent = Encoding.UTF8.GetString(EnrollmentBody.Encode(EnrollmentBody.Build(CapturedTarget(agent), policies, agent)));
        var captured = PythonJson.Dumps(PythonJson.Loads(Captures.Expand(capture.RequestBody!, AkTpm)));
        return (sent, captured, int.Parse(capture.RequestHeaders["Content-Length"]!.GetValue<string>()));
    }

    [Fact]
    public void Enrollment_without_policies_matches_capture_2_byte_for_byte()
    {
        var (sent, captured, length) = Compare(2, null);

        Assert.Equal(captured, sent);
        Assert.Equal(938, length);
        Assert.Equal(length, Encoding.UTF8.GetByteCount(sent));
    }

    [Fact]
    public void Enrollment_with_a_pcr_policy_matches_capture_16_byte_for_byte()
    {
        var (sent, captured, length) = Compare(16, "{\"23\": [\"0000000000000000000000000000000000000000000000000000000000000000\"]}");

        Assert.Equal(captured, sent);
        Assert.Equal(1023, length);
        Assert.Equal(length, Encoding.UTF8.GetByteCount(sent));
    }

    [Fact]
    public void Nested_json_values_are_strings_and_the_verifier_port_is_a_string()
    {
        var (sent, _, _) = Compare(2, null);

        Assert.StartsWith("{\"v\": null, \"cloudagent_ip\": \"127.0.0.1\", \"cloudagent_port\": 9002, \"verifier_ip\": \"127.0.0.1\", \"verifier_port\": \"18881\", \"tpm_policy\": \"{\\\"mask\\\": \\\"0x0\\\"}\"", sent);
        Assert.Contains("\"metadata\": \"{}\"", sent);
        Assert.EndsWith("\"mtls_cert\": null, \"supported_version\": \"1.0\"}", sent);
    }

    [Fact]
    public void A_runtime_policy_file_is_sent_as_base64_of_its_exact_bytes_and_enables_pcr_10()
    {
        var path = SharedData.Path("data", "policies", "runtime-policy-test.json");
        var policies = PolicyInputs.From(new TenantArguments { RuntimePolicy = path, RuntimePolicyName = "rp" }, "");

        Assert.Equal(Convert.ToBase64String(File.ReadAllBytes(path)), policies.RuntimePolicy);
        Assert.Equal("rp", policies.RuntimePolicyName);
        Assert.Equal("", policies.RuntimePolicyKey);
        Assert.Equal("{\"mask\": \"0x400\"}", policies.TpmPolicy.ToJsonString());
    }

    [Fact]
    public void A_signed_runtime_policy_needs_its_signing_key()
    {
        var path = SharedData.Path("data", "policies", "runtime-policy-test-signed.json");

        var e = Assert.Throws<TenantException>(() => PolicyInputs.From(new TenantArguments { RuntimePolicy = path }, ""));
        Assert.EndsWith("Runtime policy signature verification required but no key was given!", e.Message);
    }

    [Fact]
    public void A_signed_runtime_policy_is_sent_as_is_with_its_key()
    {
        var path = SharedData.Path("data", "policies", "runtime-policy-test-signed.json");
        var key = SharedData.Path("data", "ima", "keys", "rsa2048pub.pem");

        var policies = PolicyInputs.From(new TenantArguments { RuntimePolicy = path, RuntimePolicySigKey = key }, "");

        Assert.Equal(Convert.ToBase64String(File.ReadAllBytes(path)), policies.RuntimePolicy);
        Assert.Equal(Convert.ToBase64String(File.ReadAllBytes(key)), policies.RuntimePolicyKey);
    }

    [Fact]
    public void A_runtime_policy_that_is_not_a_json_object_is_refused()
    {
        var path = SharedData.Path("data", "policies", "ima-allowlist-short.txt");

        var e = Assert.Throws<TenantException>(() => PolicyInputs.From(new TenantArguments { RuntimePolicy = path }, ""));
        Assert.StartsWith($"Validation for runtime policy {path} failed! Error: ", e.Message);
    }

    [Fact]
    public void A_runtime_policy_with_a_wrong_checksum_is_refused()
    {
        var path = SharedData.Path("data", "policies", "runtime-policy-test.json");

        var e = Assert.Throws<TenantException>(() => PolicyInputs.From(new TenantArguments { RuntimePolicy = path, RuntimePolicyChecksum = "00" }, ""));
        Assert.StartsWith("Checksum of runtime policy does not match! Expected 00, Calculated ", e.Message);
    }

    [Fact]
    public void A_measured_boot_policy_file_is_sent_in_pythons_spelling_and_enables_the_boot_pcrs()
    {
        var path = SharedData.Path("data", "measured-boot", "example_reference_state.json");
        var policies = PolicyInputs.From(new TenantArguments { MbPolicy = path }, "");

        Assert.Equal(PythonJson.Dumps(PythonJson.Loads(File.ReadAllText(path))), policies.MbPolicy);
        Assert.Contains("\": ", policies.MbPolicy);
        Assert.Equal("{\"mask\": \"0xfbff\"}", policies.TpmPolicy.ToJsonString());
    }

    [Fact]
    public void Default_measured_boot_policy_is_tenant_conf_mb_refstate()
    {
        var path = SharedData.Path("data", "measured-boot", "example_reference_state.json");

        Assert.NotNull(PolicyInputs.From(new TenantArguments { MbPolicy = "default" }, path).MbPolicy);
    }

    [Fact]
    public void A_measured_boot_policy_name_alone_sets_the_mask_but_sends_no_policy()
    {
        var policies = PolicyInputs.From(new TenantArguments { MbPolicyName = "mb" }, "");

        Assert.Null(policies.MbPolicy);
        Assert.Equal("mb", policies.MbPolicyName);
        Assert.Equal("{\"mask\": \"0xfbff\"}", policies.TpmPolicy.ToJsonString());
    }
}
