using Keylime.EndToEnd.Support;

namespace Keylime.EndToEnd.Stack;

/// <summary>
/// The run-stack flow on PostgreSQL, and a verifier crash (kill -9) mid-run: the state that matters
/// lives in the database, so the restarted verifier keeps every accepted attestation and the
/// agent's session, and the agent carries on.
/// </summary>
[Collection("postgres stack")]
public sealed class PostgresStackTests(PostgresStack fixture)
{
    private readonly Support.Stack _stack = fixture.Stack;

    [Fact]
    public async Task Agent_on_swtpm_reaches_PASS_and_three_consecutive_cycles_pass_on_PostgreSQL()
    {
        var agent = _stack.StartAgent();
        await Verdicts.EnrollAsync(_stack, agent);

        await Verdicts.ConsecutivePassesAsync(_stack, agent, 3, TimeSpan.FromSeconds(90));

        Assert.Equal("PASS", await _stack.Admin.StatusAsync(agent.Uuid));
    }

    [Fact]
    public async Task After_kill_9_of_the_verifier_the_agent_continues_on_its_session_and_no_accepted_evidence_is_lost()
    {
        var agent = _stack.StartAgent();
        await Verdicts.EnrollAsync(_stack, agent);
        await Verdicts.ConsecutivePassesAsync(_stack, agent, 2, TimeSpan.FromSeconds(90));
        var sessionsBefore = Count(agent.Log, "Authenticated to the verifier");

        _stack.CrashAndRestartVerifier(TimeSpan.FromSeconds(1));
        var afterCrash = await _stack.Admin.AllAsync(agent.Uuid);
        var lastBefore = afterCrash.Max(v => v.Index);

        await Verdicts.ConsecutivePassesAsync(_stack, agent, 2, TimeSpan.FromSeconds(90), afterIndex: lastBefore);

        // Everything the verifier had accepted before the crash was decided. Retention (spec §7.7) deletes only
        // completed passes, so an attestation that is gone passed; one whose evidence was lost would still be here.
        var all = (await _stack.Admin.AllAsync(agent.Uuid)).ToDictionary(v => v.Index);
        foreach (var before in afterCrash.Where(v => v.Stage is "evaluating_evidence" or "verification_complete"))
        {
            if (!all.TryGetValue(before.Index, out var now))
            {
                continue;
            }

            Assert.Equal("verification_complete", now.Stage);
            Assert.Equal("pass", now.Evaluation);
        }

        // The token issued before the crash was accepted afterwards: no new PoP authentication.
        Assert.Equal(sessionsBefore, Count(agent.Log, "Authenticated to the verifier"));
        Assert.Equal("PASS", await _stack.Admin.StatusAsync(agent.Uuid));
    }

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
