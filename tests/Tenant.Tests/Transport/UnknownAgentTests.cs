namespace Keylime.Tenant.Tests.Transport;

/// <summary>
/// A verb naming an agent the server does not know fails with one line and exit 1, so a mistyped
/// uuid never looks like success to a script (Keylime's tenant exits 0 for delete and regdelete).
/// </summary>
public class UnknownAgentTests(StandInPair pair) : StandInTests(pair)
{
    private const string VerifierNotFound = "{\"code\": 404, \"status\": \"agent id not found\", \"results\": {}}";

    private string UnknownAtVerifier => $"keylime-tenant: Agent {AgentId} does not exist on Verifier (127.0.0.1:{Verifier.Port}).";

    [Fact]
    public async Task Delete_of_an_agent_unknown_to_the_verifier_fails_without_a_delete_request()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(14));

        var result = await RunAsync("-c", "delete", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(UnknownAtVerifier, Assert.Single(result.StderrLines));
        Assert.DoesNotContain(Verifier.Received, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task Delete_without_verifier_check_of_an_unknown_agent_fails_on_the_404()
    {
        VerifierInPushMode();
        Verifier.On("DELETE", $"/v2.6/agents/{AgentId}", 404, VerifierNotFound);

        var result = await RunAsync("-c", "delete", "-nvc", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(UnknownAtVerifier, Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task Delete_that_loses_a_race_with_another_delete_still_succeeds()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(11), AtStandInPort); // present at the lookup…
        Verifier.On("DELETE", $"/v2.6/agents/{AgentId}", 404, VerifierNotFound); // …gone by the DELETE

        var result = await RunAsync("-c", "delete", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"Agent {AgentId} is already absent from the CV", result.Stderr);
    }

    [Fact]
    public async Task Update_of_an_agent_unknown_to_the_verifier_fails_before_enrolling()
    {
        RegistrarWithAgent();
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(14));

        var result = await RunAsync("-c", "update", "--push-model", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(UnknownAtVerifier, result.StderrLines[^1]);
        Assert.DoesNotContain(Verifier.Received, r => r.Method is "POST" or "DELETE");
    }

    [Theory]
    [InlineData("reactivate")]
    [InlineData("cvstatus")]
    public async Task A_verifier_verb_on_an_unknown_agent_fails_with_one_line(string verb)
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(14));

        var result = await RunAsync("-c", verb, "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(UnknownAtVerifier, Assert.Single(result.StderrLines));
        Assert.DoesNotContain(Verifier.Received, r => r.Method == "PUT");
    }

    [Fact]
    public async Task Reactivate_without_verifier_check_of_an_unknown_agent_fails_on_the_404()
    {
        VerifierInPushMode();
        Verifier.On("PUT", $"/v2.6/agents/{AgentId}/reactivate", 404, VerifierNotFound);

        var result = await RunAsync("-c", "reactivate", "-nvc", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(UnknownAtVerifier, Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task Status_of_an_agent_unknown_to_the_registrar_fails_before_asking_the_verifier()
    {
        Registrar.Replay(RegistrarCapture(1));
        Registrar.On("GET", $"/v2.6/agents/{AgentId}", 404, $"{{\"code\": 404, \"status\": \"Agent with ID '{AgentId}' not found\", \"results\": {{}}}}");

        var result = await RunAsync("-c", "status", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"keylime-tenant: Agent {AgentId} does not exist on Registrar (127.0.0.1:{Registrar.Port}).", Assert.Single(result.StderrLines));
        Assert.Empty(Verifier.Received);
    }

    [Fact]
    public async Task Regdelete_of_an_agent_unknown_to_the_registrar_fails_with_one_line()
    {
        Registrar.Replay(RegistrarCapture(1));
        Registrar.On("DELETE", $"/v2.6/agents/{AgentId}", 404, $"{{\"code\": 404, \"status\": \"Agent with ID '{AgentId}' not found\", \"results\": {{}}}}");

        var result = await RunAsync("-c", "regdelete", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"keylime-tenant: Agent {AgentId} does not exist on Registrar (127.0.0.1:{Registrar.Port}): nothing deleted.",
            Assert.Single(result.StderrLines));
    }
}
