using Keylime.EndToEnd.Support;

namespace Keylime.EndToEnd.Stack;

/// <summary>
/// An agent that stops sending evidence is flagged TIMEOUT after quote_interval × 5; its attestations
/// are then refused (403) until an admin reactivates it, after which it passes again.
/// </summary>
[Collection("sqlite stack")]
public sealed class LivenessTests(SqliteStack fixture)
{
    private readonly Support.Stack _stack = fixture.Stack;

    [Fact]
    public async Task A_killed_agent_times_out_after_five_quote_intervals_and_is_refused_until_reactivated()
    {
        var agent = _stack.StartAgent();
        await Verdicts.EnrollAsync(_stack, agent);
        await Verdicts.ConsecutivePassesAsync(_stack, agent, 1, TimeSpan.FromSeconds(90));

        agent.Kill();
        var killedAt = DateTime.UtcNow;
        await Verdicts.StatusAsync(_stack, agent, "TIMEOUT", TimeSpan.FromSeconds(60));
        var threshold = TimeSpan.FromSeconds(_stack.QuoteInterval * 5);
        // The timer starts at the last completed verification, which is at most one cadence before the kill.
        Assert.True(DateTime.UtcNow - killedAt >= threshold - TimeSpan.FromSeconds(2 * _stack.QuoteInterval + 1),
            $"TIMEOUT after {DateTime.UtcNow - killedAt}, threshold {threshold}");

        var lastBeforeRestart = await Verdicts.LatestIndexAsync(_stack, agent);
        var logBefore = agent.Log.Length;
        agent.Run();
        await WaitForLogAsync(agent, logBefore, "403", TimeSpan.FromSeconds(60));
        Assert.Equal("TIMEOUT", await _stack.Admin.StatusAsync(agent.Uuid));
        Assert.Equal(lastBeforeRestart, await Verdicts.LatestIndexAsync(_stack, agent));

        await _stack.Tenant.SucceedAsync("-c", "reactivate", "-u", agent.Uuid);
        var next = await Verdicts.NextCompletedAsync(_stack, agent, lastBeforeRestart, TimeSpan.FromSeconds(90));
        Assert.Equal("pass", next.Evaluation);
        await Verdicts.StatusAsync(_stack, agent, "PASS", TimeSpan.FromSeconds(30));
    }

    private static async Task WaitForLogAsync(Agent agent, int from, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!agent.Log[from..].Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the agent never logged '{text}':\n{Verdicts.Tail(agent.Log)}");
            await Task.Delay(200);
        }
    }
}
