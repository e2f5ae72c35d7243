using System.Text.RegularExpressions;
using Keylime.Shared.Tpm;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Keylime.Verifier.Verification;

namespace Keylime.Verifier.Tests.Verification;

/// <summary>
/// A verdict's SQL text is put together once per shape and reused: every shape must number its placeholders
/// exactly 1..n for its n arguments, and two verdicts of one shape share the text but not their values.
/// </summary>
public sealed partial class VerdictStatementsTests
{
    private static readonly DateTime Now = new(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Every_shape_of_the_agent_update_numbers_its_placeholders_by_its_arguments_and_one_shape_shares_its_text()
    {
        var texts = new HashSet<string>();
        for (var shape = 0; shape < 32; shape++)
        {
            var (first, second) = (Outcome(shape, 1), Outcome(shape, 2));
            var autoRecover = (shape & 2) != 0;

            var a = VerdictStatements.Agent(new Attestation { AgentId = "a1", Index = 3 }, first, Now, autoRecover);
            var b = VerdictStatements.Agent(new Attestation { AgentId = "a2", Index = 7 }, second, Now.AddSeconds(1), autoRecover);

            Assert.Same(a.Sql, b.Sql);
            AssertNumbered(a);
            Assert.Equal("a1", a.Args[^1]);
            Assert.Equal("a2", b.Args[^1]); // the values are each verdict's own
            Assert.NotEqual(a.Args[1], b.Args[1]);
            texts.Add(a.Sql);
        }

        Assert.Equal(24, texts.Count); // auto-recovery changes nothing on a failure: 16 pass shapes + 8 failure shapes
    }

    [Fact]
    public void A_verdict_as_one_statement_numbers_every_step_after_the_earlier_ones_and_reuses_the_text_of_its_shape()
    {
        var first = Combined("a1", 5, Outcome(1 | 4 | 8, 1));
        var second = Combined("a2", 9, Outcome(1 | 4 | 8, 2));

        Assert.Same(first.Sql, second.Sql);
        AssertNumbered(first);
        // The completion's 8 values, then the token extension's 5, retention's 5, and the agent's last.
        Assert.Equal(AttestationStates.VerificationComplete, first.Args[0]);
        Assert.Equal(Now.AddHours(2), first.Args[8]);
        Assert.Equal("a1", first.Args[13]);
        Assert.Equal(true, first.Args[18]);
        Assert.Equal("a1", first.Args[^1]);
        Assert.Equal("a2", second.Args[^1]);
        Assert.StartsWith("WITH done AS (UPDATE attestations", first.Sql, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Count(first.Sql, "EXISTS \\(SELECT 1 FROM done\\)"));
    }

    private static SqlStatement Combined(string agentId, int index, VerificationOutcome outcome)
    {
        var attestation = new Attestation { AgentId = agentId, Index = index };
        return VerdictStatements.AsOne(
            VerdictStatements.Complete(attestation, outcome, Now),
            VerdictStatements.Agent(attestation, outcome, Now, autoRecover: true),
            [VerdictStatements.ExtendTokens(attestation, Now, Now.AddHours(1), Now.AddHours(2)), VerdictStatements.DeletePreviousIfRedundant(attestation, index - 1)],
            VerificationSnapshots.AgentReturning);
    }

    /// <summary>Shape bits: 1 pass, 2 auto-recovery, 4 clock, 8 algorithms, 16 IMA; <paramref name="n"/> varies the values.</summary>
    private static VerificationOutcome Outcome(int shape, int n) => new(
        (shape & 1) != 0 ? null : "policy_violation",
        (shape & 1) != 0 ? null : $"detail {n}",
        (shape & 1) != 0 ? null : $"event.{n}",
        (shape & 4) != 0 ? new TpmClockInfo((ulong)n, 1, 0, true) : null,
        (shape & 16) != 0 ? new ImaStateUpdate(n, [(byte)n], null, "{}", n) : null,
        (shape & 8) != 0 ? "sha256" : "",
        (shape & 8) != 0 ? "ecdsa" : "");

    /// <summary>The placeholders are exactly $1..$n for the statement's n arguments.</summary>
    private static void AssertNumbered(SqlStatement statement)
    {
        var used = Placeholder().Matches(statement.Sql).Select(m => int.Parse(m.ValueSpan[1..], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        Assert.Equal(Enumerable.Range(1, statement.Args.Length).ToHashSet(), used);
    }

    [GeneratedRegex(@"\$[0-9]+")]
    private static partial Regex Placeholder();
}
