using System.Text;
using System.Text.Json.Nodes;
using Keylime.Tenant.Output;
using Keylime.Tenant.Tests.Support;

namespace Keylime.Tenant.Tests.Transport;

/// <summary>
/// The agent verbs over real mTLS against stand-ins replaying what Keylime's verifier and registrar
/// answered in spec/captures (verifier.md, registrar_tls.md).
/// </summary>
public class AgentVerbHttpTests(StandInPair pair) : StandInTests(pair)
{
    private void VerifierAccepts()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(2));
        Verifier.Replay(VerifierCapture(3), AtStandInPort);
    }

    [Fact]
    public async Task Add_sends_keylimes_enrollment_request_and_prints_the_push_status()
    {
        RegistrarWithAgent();
        VerifierAccepts();

        var result = await RunAsync("-c", "add", "--push-model", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
        var status = Line(Assert.Single(result.StdoutLines));
        var agent = Assert.IsType<JsonObject>(status[AgentId]);
        Assert.False(agent.ContainsKey("operational_state")); // hidden in push mode
        Assert.Equal("PENDING", agent["attestation_status"]!.GetValue<string>());
        Assert.Contains($"Agent {AgentId} added to Verifier (127.0.0.1:{Verifier.Port}) after 0 tries", result.Stderr);
        Assert.Equal(["GET /version", $"POST /v2.6/agents/{AgentId}", $"GET /v2.6/agents/{AgentId}"],
            Verifier.Received.Select(r => $"{r.Method} {r.PathAndQuery}"));
        Assert.Equal(["GET /version", $"GET /v2.6/agents/{AgentId}"], Registrar.Received.Select(r => $"{r.Method} {r.PathAndQuery}"));
    }

    [Fact]
    public async Task The_enrollment_post_has_the_captured_body_no_content_type_and_the_client_certificate()
    {
        RegistrarWithAgent();
        VerifierAccepts();

        await RunAsync("-c", "add", "--push-model", "-u", AgentId);

        var post = Verifier.Received.Single(r => r.Method == "POST");
        var captured = PythonJson.Dumps(PythonJson.Loads(Captures.Expand(VerifierCapture(2).RequestBody!, AkTpm)))
            .Replace("\"verifier_port\": \"18881\"", $"\"verifier_port\": \"{Verifier.Port}\"", StringComparison.Ordinal);
        Assert.Equal(captured, post.BodyText);
        Assert.Equal(Encoding.UTF8.GetByteCount(captured).ToString(), post.Headers["Content-Length"]);
        Assert.False(post.Headers.ContainsKey("Content-Type"));
        Assert.Equal("*/*", post.Headers["Accept"]);
        Assert.Equal("CN=tenant-client", post.ClientCertificateSubject);
    }

    [Fact]
    public async Task Add_of_an_agent_unknown_to_the_registrar_fails_with_the_registrars_reason()
    {
        Registrar.Replay(RegistrarCapture(1));
        Registrar.On("GET", $"/v2.6/agents/{AgentId}", 404, $"{{\"code\": 404, \"status\": \"Agent with ID '{AgentId}' not found\", \"results\": {{}}}}");

        var result = await RunAsync("-c", "add", "--push-model", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"keylime-tenant: Agent {AgentId} data not found in Registrar (127.0.0.1:{Registrar.Port}): 404 Agent with ID '{AgentId}' not found",
            Assert.Single(result.StderrLines));
        Assert.Empty(Verifier.Received);
    }

    [Fact]
    public async Task Add_of_an_enrolled_agent_prints_the_409_detail_and_fails()
    {
        RegistrarWithAgent();
        VerifierInPushMode();
        Verifier.On("POST", $"/v2.6/agents/{AgentId}", 409,
            $"{{\"code\": 409, \"status\": \"Agent of uuid {AgentId} already exists. Please use delete or update.\", \"results\": {{}}}}");

        var result = await RunAsync("-c", "add", "--push-model", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        var line = result.StderrLines[^1];
        Assert.StartsWith($"keylime-tenant: Verifier (127.0.0.1:{Verifier.Port}) responded indicating a conflict", line);
        Assert.EndsWith($"(Agent of uuid {AgentId} already exists. Please use delete or update.)", line);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Add_refused_with_400_prints_the_verifiers_exception_text()
    {
        RegistrarWithAgent();
        VerifierInPushMode();
        Verifier.On("POST", $"/v2.6/agents/{AgentId}", 400, "{\"code\": 400, \"status\": \"Exception error: 'ak_tpm'\", \"results\": {}}");

        var result = await RunAsync("-c", "add", "--push-model", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"keylime-tenant: POST command response: 400 Unexpected response from Verifier (127.0.0.1:{Verifier.Port}): Exception error: 'ak_tpm'",
            result.StderrLines[^1]);
    }

    [Fact]
    public async Task Add_without_push_model_is_refused_before_any_request()
    {
        var result = await RunAsync("-c", "add", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--push-model", result.StderrLines[^1]);
        Assert.Empty(Registrar.Received);
    }

    [Fact]
    public async Task Add_fails_when_the_verifier_never_lists_the_agent()
    {
        RegistrarWithAgent();
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(2));
        Verifier.Replay(VerifierCapture(14));

        var result = await RunAsync("-c", "add", "--push-model", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"keylime-tenant: Agent {AgentId} still not added to Verifier (127.0.0.1:{Verifier.Port}) after 3 tries", result.StderrLines[^1]);
    }

    [Fact]
    public async Task Cvstatus_prints_the_agent_status_keyed_by_uuid()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(19), AtStandInPort);

        var result = await RunAsync("-c", "cvstatus", "--push-model", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
        var agent = Assert.IsType<JsonObject>(Line(Assert.Single(result.StdoutLines))[AgentId]);
        Assert.Equal("TIMEOUT", agent["attestation_status"]!.GetValue<string>());
        Assert.StartsWith($"{{\"{AgentId}\": {{\"v\": null, \"ip\": null, \"port\": null, \"tpm_policy\": ", result.Stdout);
    }

    [Fact]
    public async Task Cvstatus_without_push_model_names_the_operational_state()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(3), AtStandInPort);

        var result = await RunAsync("-c", "cvstatus", "-u", AgentId);

        Assert.Equal("Get Quote", Line(result.Stdout)[AgentId]!["operational_state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cvstatus_of_an_unknown_agent_fails_with_one_line()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(14));

        var result = await RunAsync("-c", "cvstatus", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"keylime-tenant: Agent {AgentId} does not exist on Verifier (127.0.0.1:{Verifier.Port}).", Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task Delete_looks_the_agent_up_then_deletes_it_like_the_capture()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(11), AtStandInPort);
        Verifier.Replay(VerifierCapture(12));

        var result = await RunAsync("-c", "delete", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"Agent {AgentId} deleted from the CV", result.Stderr);
        var delete = Verifier.Received.Single(r => r.Method == "DELETE");
        Assert.Equal($"/v2.6/agents/{AgentId}", delete.PathAndQuery);
        Assert.Equal("0", delete.Headers["Content-Length"]);
    }

    [Fact]
    public async Task A_202_delete_is_polled_until_the_agent_is_gone()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(11), AtStandInPort); // looked up first…
        Verifier.Replay(VerifierCapture(11), AtStandInPort); // …still there at the first poll…
        Verifier.Replay(VerifierCapture(14)); // …then gone
        Verifier.On("DELETE", $"/v2.6/agents/{AgentId}", 202, "{\"code\": 202, \"status\": \"Accepted\", \"results\": {}}");

        var result = await RunAsync("-c", "delete", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"Agent {AgentId} was deleted from Verifier (127.0.0.1:{Verifier.Port}) after 1 tries", result.Stderr);
    }

    [Fact]
    public async Task Delete_refused_by_the_verifier_fails_with_its_detail()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(11), AtStandInPort);
        Verifier.On("DELETE", $"/v2.6/agents/{AgentId}", 403, "{\"errors\": [{\"status\": \"403\", \"title\": \"Forbidden\", \"detail\": \"Action DELETE_AGENT requires admin authentication (mTLS certificate)\"}]}");

        var result = await RunAsync("-c", "delete", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.EndsWith("Action DELETE_AGENT requires admin authentication (mTLS certificate)", result.StderrLines[^1]);
    }

    [Fact]
    public async Task Reactivate_puts_to_the_reactivate_route()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(19), AtStandInPort);
        Verifier.On("PUT", $"/v2.6/agents/{AgentId}/reactivate", 200, "{\"code\": 200, \"status\": \"Success\", \"results\": {}}");

        var result = await RunAsync("-c", "reactivate", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"Agent {AgentId} re-activated", result.Stderr);
        Assert.Equal("0", Verifier.Received.Single(r => r.Method == "PUT").Headers["Content-Length"]);
    }

    [Fact]
    public async Task Cvlist_prints_the_verifiers_uuid_list()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(9));

        var result = await RunAsync("-c", "cvlist");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{{\"uuids\": [[\"{AgentId}\"]]}}", Assert.Single(result.StdoutLines));
    }

    [Fact]
    public async Task Bulkinfo_marks_push_agents_operational_state_not_applicable()
    {
        VerifierInPushMode();
        Verifier.On("GET", "/v2.6/agents/?bulk=True&verifier=", 200,
            $"{{\"code\": 200, \"status\": \"Success\", \"results\": {{\"{AgentId}\": {{\"operational_state\": null, \"attestation_status\": \"PASS\"}}}}}}");

        var result = await RunAsync("-c", "bulkinfo");

        Assert.Equal($"{{\"{AgentId}\": {{\"operational_state\": \"Not applicable (Push Mode)\", \"attestation_status\": \"PASS\"}}}}", result.Stdout.Trim());
    }
}
