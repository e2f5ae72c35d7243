using Keylime.EndToEnd.Support;

namespace Keylime.EndToEnd.Stack;

/// <summary>
/// Issue 8 acceptance and the run-stack flow: registrar + verifier + agent as real processes over
/// HTTPS on 127.0.0.1; the agent registers, activates, authenticates, and its attestations pass.
/// </summary>
[Collection("sqlite stack")]
public sealed class PushCycleTests(SqliteStack fixture)
{
    private readonly Support.Stack _stack = fixture.Stack;

    [Fact]
    public async Task Agent_on_swtpm_reaches_PASS_and_three_consecutive_cycles_pass()
    {
        var agent = _stack.StartAgent();
        await Verdicts.EnrollAsync(_stack, agent);

        var passes = await Verdicts.ConsecutivePassesAsync(_stack, agent, 3, TimeSpan.FromSeconds(90));

        Assert.Equal(3, passes.Select(v => v.Index).Distinct().Count());
        Assert.Equal("PASS", await _stack.Admin.StatusAsync(agent.Uuid));
        Assert.Contains("registered and activated", agent.Log, StringComparison.Ordinal);
        Assert.Contains("Authenticated to the verifier", agent.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_with_avoid_tpm_reaches_PASS_and_three_consecutive_cycles_pass()
    {
        var agent = _stack.StartAgent(avoidTpm: true);
        await agent.WaitRegisteredAsync(TimeSpan.FromSeconds(90));
        // The software TPM has no EK certificate: enrolled as Keylime allows with require_ek_cert off.
        var add = await _stack.Tenant.RunWithAsync(
            new Dictionary<string, string> { ["KEYLIME_TENANT_REQUIRE_EK_CERT"] = "False" }, "-c", "add", "--push-model", "-u", agent.Uuid);
        Assert.True(add.ExitCode == 0, add.ToString());

        await Verdicts.ConsecutivePassesAsync(_stack, agent, 3, TimeSpan.FromSeconds(90));

        Assert.Equal("PASS", await _stack.Admin.StatusAsync(agent.Uuid));
    }
}
