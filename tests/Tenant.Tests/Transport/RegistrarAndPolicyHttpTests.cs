using System.Text;
using System.Text.Json.Nodes;
using Keylime.Tenant.Output;
using Keylime.Tenant.Tests.Support;
using Keylime.TestSupport;

namespace Keylime.Tenant.Tests.Transport;

/// <summary>Registrar verbs, version negotiation and the policy verbs over real mTLS.</summary>
public class RegistrarAndPolicyHttpTests(StandInPair pair) : StandInTests(pair)
{
    [Fact]
    public async Task Regstatus_prints_the_registrar_record_as_registered()
    {
        RegistrarWithAgent();

        var result = await RunAsync("-c", "regstatus", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
        var agent = Assert.IsType<JsonObject>(Line(Assert.Single(result.StdoutLines))[AgentId]);
        Assert.Equal(["aik_tpm", "regcount", "ek_tpm", "ip", "port", "mtls_cert", "ekcert", "operational_state"], agent.Select(p => p.Key));
        Assert.Equal("Registered", agent["operational_state"]!.GetValue<string>());
        Assert.Equal(AkTpm, agent["aik_tpm"]!.GetValue<string>());
    }

    [Fact]
    public async Task Regstatus_of_an_unknown_agent_fails()
    {
        Registrar.Replay(RegistrarCapture(1));

        var result = await RunAsync("-c", "regstatus", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"keylime-tenant: Agent {AgentId} does not exist on Registrar (127.0.0.1:{Registrar.Port}).", Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task Reglist_prints_the_registrars_uuid_list()
    {
        Registrar.Replay(RegistrarCapture(7));
        Registrar.Replay(RegistrarCapture(8));

        var result = await RunAsync("-c", "reglist");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{{\"uuids\": [\"{AgentId}\"]}}", Assert.Single(result.StdoutLines));
    }

    [Fact]
    public async Task Regdelete_deletes_the_registration()
    {
        Registrar.Replay(RegistrarCapture(13));
        Registrar.Replay(RegistrarCapture(14));

        var result = await RunAsync("-c", "regdelete", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"DELETE /v2.6/agents/{AgentId}", Registrar.Received.Select(r => $"{r.Method} {r.PathAndQuery}").Last());
    }

    [Fact]
    public async Task Status_prints_the_registrar_record_then_the_verifier_status()
    {
        RegistrarWithAgent();
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(3), AtStandInPort);

        var result = await RunAsync("-c", "status", "--push-model", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, result.StdoutLines.Length);
        Assert.Equal("Registered", Line(result.StdoutLines[0])[AgentId]!["operational_state"]!.GetValue<string>());
        Assert.Equal("PENDING", Line(result.StdoutLines[1])[AgentId]!["attestation_status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_highest_common_version_below_3_is_used()
    {
        Registrar.On("GET", "/version", 200, "{\"code\": 200, \"status\": \"Success\", \"results\": {\"current_version\": \"3.0\", \"supported_versions\": [\"2.1\", \"3.0\"]}}");
        Registrar.On("GET", "/v2.1/agents/", 200, "{\"code\": 200, \"status\": \"Success\", \"results\": {\"uuids\": []}}");

        var result = await RunAsync("-c", "reglist");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("GET /v2.1/agents/", Registrar.Received.Select(r => $"{r.Method} {r.PathAndQuery}").Last());
    }

    [Fact]
    public async Task A_server_with_no_common_version_is_refused()
    {
        Registrar.On("GET", "/version", 200, "{\"code\": 200, \"status\": \"Success\", \"results\": {\"supported_versions\": [\"3.0\"]}}");

        var result = await RunAsync("-c", "reglist");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"keylime-tenant: No compatible API version with Registrar (127.0.0.1:{Registrar.Port})", Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task Addruntimepolicy_posts_the_policy_under_its_name()
    {
        var path = SharedData.Path("data", "policies", "runtime-policy-test.json");
        VerifierInPushMode();
        Verifier.On("POST", "/v2.6/allowlists/rp1", 201, "{\"code\": 201, \"status\": \"Created\", \"results\": {}}");

        var result = await RunAsync("-c", "addruntimepolicy", "--runtime-policy-name", "rp1", "--runtime-policy", path);

        Assert.Equal(0, result.ExitCode);
        var post = Verifier.Received.Single(r => r.Method == "POST");
        var expected = $"{{\"tpm_policy\": \"{{\\\"mask\\\": \\\"0x400\\\"}}\", \"runtime_policy\": \"{Convert.ToBase64String(File.ReadAllBytes(path))}\", \"runtime_policy_key\": \"\"}}";
        Assert.Equal(expected, post.BodyText);
        Assert.Equal("{\"code\": 201, \"status\": \"Created\", \"results\": {}}", Assert.Single(result.StdoutLines));
    }

    [Fact]
    public async Task Adding_a_runtime_policy_that_exists_prints_the_409_and_fails()
    {
        var path = SharedData.Path("data", "policies", "runtime-policy-test.json");
        VerifierInPushMode();
        Verifier.On("POST", "/v2.6/allowlists/rp1", 409, "{\"code\": 409, \"status\": \"Runtime policy with name rp1 already exists\", \"results\": {}}");

        var result = await RunAsync("-c", "addruntimepolicy", "--runtime-policy-name", "rp1", "--runtime-policy", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"keylime-tenant: Verifier (127.0.0.1:{Verifier.Port}) answered 409 to POST /allowlists/rp1: Runtime policy with name rp1 already exists",
            result.StderrLines[^1]);
    }

    [Fact]
    public async Task Showruntimepolicy_prints_the_stored_policy()
    {
        VerifierInPushMode();
        Verifier.On("GET", "/v2.6/allowlists/rp1", 200, "{\"code\": 200, \"status\": \"Success\", \"results\": {\"name\": \"rp1\", \"tmp_policy\": null, \"runtime_policy\": \"{}\"}}");

        var result = await RunAsync("-c", "showruntimepolicy", "--runtime-policy-name", "rp1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("{\"code\": 200, \"status\": \"Success\", \"results\": {\"name\": \"rp1\", \"tmp_policy\": null, \"runtime_policy\": \"{}\"}}", Assert.Single(result.StdoutLines));
        Assert.Contains("Show allowlist command response: 200.", result.Stderr);
    }

    [Fact]
    public async Task Deleting_an_unknown_runtime_policy_fails_with_the_404_detail()
    {
        VerifierInPushMode();
        Verifier.On("DELETE", "/v2.6/allowlists/nope", 404, "{\"code\": 404, \"status\": \"Runtime policy nope not found\", \"results\": {}}");

        var result = await RunAsync("-c", "deleteruntimepolicy", "--runtime-policy-name", "nope");

        Assert.Equal(1, result.ExitCode);
        Assert.EndsWith("answered 404 to DELETE /allowlists/nope: Runtime policy nope not found", result.StderrLines[^1]);
    }

    [Fact]
    public async Task Runtime_policy_verbs_need_a_name()
    {
        var result = await RunAsync("-c", "showruntimepolicy");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("keylime-tenant: --runtime-policy-name is required to show a runtime policy", Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task Listruntimepolicy_prints_the_names()
    {
        VerifierInPushMode();
        Verifier.On("GET", "/v2.6/allowlists/", 200, "{\"code\": 200, \"status\": \"Success\", \"results\": {\"runtimepolicy names\": [\"rp1\"]}}");

        var result = await RunAsync("-c", "listruntimepolicy");

        Assert.Equal("{\"code\": 200, \"status\": \"Success\", \"results\": {\"runtimepolicy names\": [\"rp1\"]}}", result.Stdout.Trim());
    }

    [Fact]
    public async Task Addmbpolicy_sends_the_policy_as_python_spelled_json_text()
    {
        var path = SharedData.Path("data", "measured-boot", "example_reference_state.json");
        VerifierInPushMode();
        Verifier.On("POST", "/v2.6/mbpolicies/mb1", 201, "{\"code\": 201, \"status\": \"Created\", \"results\": {}}");

        var result = await RunAsync("-c", "addmbpolicy", "--mb-policy-name", "mb1", "--mb-policy", path);

        Assert.Equal(0, result.ExitCode);
        var sent = Verifier.Received.Single(r => r.Method == "POST").BodyText;
        var expected = new JsonObject { ["mb_policy"] = PythonJson.Dumps(PythonJson.Loads(File.ReadAllText(path))) };
        Assert.Equal(PythonJson.Dumps(expected), sent);
    }

    [Fact]
    public async Task Updatembpolicy_puts_and_listmbpolicy_and_deletembpolicy_use_the_mbpolicies_routes()
    {
        var path = SharedData.Path("data", "measured-boot", "example_reference_state.json");
        VerifierInPushMode();
        Verifier.On("PUT", "/v2.6/mbpolicies/mb1", 201, "{\"code\": 201, \"status\": \"Created\", \"results\": {}}");
        Verifier.On("GET", "/v2.6/mbpolicies/", 200, "{\"code\": 200, \"status\": \"Success\", \"results\": {\"mbpolicy names\": [\"mb1\"]}}");
        Verifier.On("GET", "/v2.6/mbpolicies/mb1", 200, "{\"code\": 200, \"status\": \"Success\", \"results\": {\"name\": \"mb1\", \"mb_policy\": \"{}\"}}");
        Verifier.On("DELETE", "/v2.6/mbpolicies/mb1", 204, null);

        Assert.Equal(0, (await RunAsync("-c", "updatembpolicy", "--mb-policy-name", "mb1", "--mb-policy", path)).ExitCode);
        Assert.Equal(0, (await RunAsync("-c", "listmbpolicy")).ExitCode);
        Assert.Equal(0, (await RunAsync("-c", "showmbpolicy", "--mb-policy-name", "mb1")).ExitCode);
        var deleted = await RunAsync("-c", "deletembpolicy", "--mb-policy-name", "mb1");

        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal("{}", deleted.Stdout.Trim());
        Assert.Equal(
            ["PUT /v2.6/mbpolicies/mb1", "GET /v2.6/mbpolicies/", "GET /v2.6/mbpolicies/mb1", "DELETE /v2.6/mbpolicies/mb1"],
            Verifier.Received.Where(r => r.PathAndQuery != "/version").Select(r => $"{r.Method} {r.PathAndQuery}"));
    }

    [Fact]
    public async Task Updateruntimepolicy_puts_the_new_policy()
    {
        var path = SharedData.Path("data", "policies", "runtime-policy-test.json");
        VerifierInPushMode();
        Verifier.On("PUT", "/v2.6/allowlists/rp1", 201, "{\"code\": 201, \"status\": \"Created\", \"results\": {}}");

        var result = await RunAsync("-c", "updateruntimepolicy", "--runtime-policy-name", "rp1", "--runtime-policy", path);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("{\"tpm_policy\": ", Encoding.UTF8.GetString(Verifier.Received.Single(r => r.Method == "PUT").Body));
    }
}
