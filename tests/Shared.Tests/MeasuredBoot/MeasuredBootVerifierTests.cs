using System.Text.Json.Nodes;
using Keylime.Shared.MeasuredBoot;
using static Keylime.Shared.Tests.MeasuredBoot.MbTestData;

namespace Keylime.Shared.Tests.MeasuredBoot;

/// <summary>Spec §3.3: which PCRs are compared, when the policy is evaluated, and how failures map.</summary>
public class MeasuredBootVerifierTests
{
    private static readonly byte[] MbBytes = Log("mb_log.b64");
    private static readonly EventLogReplay MbReplay = EventLog.Parse(MbBytes).Replay();
    private static readonly string Refstate = ReferenceStateGenerator.FromLog(EventLog.Parse(MbBytes)).Json!;

    /// <summary>What a TPM that booted this log would quote for PCRs 0–15 (10 is IMA's and arbitrary here).</summary>
    private static Dictionary<int, byte[]> Quote(params int[] without) =>
        Enumerable.Range(0, 16).Where(p => !without.Contains(p))
            .ToDictionary(p => p, p => p == 10 ? new byte[32] : MbReplay.ValueOf(TcgAlgorithms.Sha256, p)!);

    private static MeasuredBootResult Verify(string? refstate, Dictionary<int, byte[]> quote, string policy = "example", byte[]? log = null, bool evaluate = true) =>
        MeasuredBootVerifier.Verify(new MeasuredBootRequest
        {
            Log = log ?? MbBytes,
            ReferenceState = refstate,
            PolicyName = policy,
            Evaluate = evaluate,
            Bank = TcgAlgorithms.Sha256,
            QuotedPcrs = quote,
        });

    [Fact]
    public void A_matching_quote_and_reference_state_pass_and_yield_boot_aggregates()
    {
        var result = Verify(Refstate, Quote());
        Assert.True(result.Passed, string.Join("; ", result.Failures.Select(f => f.Message)));
        Assert.Contains("d1afa60bd34583e378ededf7395acc85b23e22cd6ab3b832c997ae0304818379", result.BootAggregates);
        Assert.True(result.PcrsVerified);
    }

    [Theory]
    [InlineData("example")]
    [InlineData("accept-all")]
    public void A_quoted_pcr_that_differs_from_the_replay_is_a_broken_evidence_chain(string policy)
    {
        var quote = Quote();
        quote[7] = new byte[32];
        var result = Verify(Refstate, quote, policy);

        Assert.Equal(MeasuredBootFailureKind.BrokenEvidenceChain, result.FailureKind);
        var failure = Assert.Single(result.Failures, f => f.Kind == MeasuredBootFailureKind.BrokenEvidenceChain);
        Assert.Equal(("measured_boot.invalid_pcr_7", 7), (failure.EventId, failure.Pcr));
    }

    [Fact]
    public void Accept_all_compares_every_quoted_boot_pcr_including_11_to_15()
    {
        var quote = Quote();
        quote[12] = Enumerable.Repeat((byte)1, 32).ToArray();
        Assert.Equal("measured_boot.invalid_pcr_12", Assert.Single(Verify(Refstate, quote, "accept-all").Failures).EventId);
        Assert.True(Verify(Refstate, quote, "example").Passed); // example's relevant PCRs are 0-9 and 14
    }

    [Fact]
    public void An_empty_reference_state_skips_comparison_and_evaluation()
    {
        var quote = Quote();
        quote[0] = new byte[32];
        Assert.True(Verify("{}", quote).Passed);
        Assert.True(Verify(null, quote).Passed);
        Assert.False(Verify(null, quote).PcrsVerified);
        Assert.NotEmpty(Verify(null, quote).BootAggregates);
    }

    [Fact]
    public void The_policy_is_evaluated_only_when_asked()
    {
        var node = JsonNode.Parse(Refstate)!;
        node["kernels"]![0]!["kernel_authcode_sha256"] = "0x" + new string('0', 64);
        var wrong = node.ToJsonString();

        var evaluated = Verify(wrong, Quote());
        Assert.Equal(MeasuredBootFailureKind.PolicyViolation, evaluated.FailureKind);
        Assert.Equal("measured_boot.policy_example", Assert.Single(evaluated.Failures).EventId);
        Assert.True(Verify(wrong, Quote(), evaluate: false).Passed);
    }

    [Fact]
    public void Relevant_pcrs_missing_from_the_quote_prevent_evaluation()
    {
        Assert.Equal("measured_boot.missing_pcrs", Assert.Single(Verify(Refstate, Quote(14)).Failures).EventId);
    }

    [Fact]
    public void A_policy_without_a_log_reports_each_compared_pcr_as_unused()
    {
        var result = MeasuredBootVerifier.Verify(new MeasuredBootRequest
        {
            ReferenceState = Refstate, PolicyName = "example", Bank = TcgAlgorithms.Sha256, QuotedPcrs = Quote(),
        });
        Assert.Equal(11, result.Failures.Count);
        Assert.All(result.Failures, f => Assert.StartsWith("pcr_validation.unused_pcr_", f.EventId, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("binary_bios_measurements-bogus")]
    [InlineData("binary_bios_measurements-empty")]
    public void Bogus_and_empty_logs_fail_as_parser_errors(string file)
    {
        var failure = Assert.Single(Verify(Refstate, Quote(), log: Log(file)).Failures);
        Assert.Equal("measured_boot.parser.invalid_log", failure.EventId);
        Assert.Equal(MeasuredBootFailureKind.PolicyViolation, failure.Kind);
    }

    [Fact]
    public void A_log_without_the_quote_bank_is_refused()
    {
        var result = MeasuredBootVerifier.Verify(new MeasuredBootRequest
        {
            Log = MbBytes, ReferenceState = Refstate, Bank = TcgAlgorithms.Sha384, QuotedPcrs = new Dictionary<int, byte[]>(),
        });
        Assert.Equal("measured_boot.parser.invalid_pcrs_hashes", Assert.Single(result.Failures).EventId);
    }

    [Fact]
    public void An_unknown_policy_name_is_reported()
    {
        Assert.Equal("measured_boot.unknown_policy", Assert.Single(Verify(Refstate, Quote(), "custom.module").Failures).EventId);
    }

    [Fact]
    public void A_tcg_correct_pcr0_passes_for_the_startup_locality_log()
    {
        var bytes = Log("binary_bios_measurements");
        var quote = new Dictionary<int, byte[]> { [0] = Convert.FromHexString("0ee9a7feba8f4172f1a7451594aa5731665a4d353ac61814042ce107a00742f2") };
        var result = MeasuredBootVerifier.Verify(new MeasuredBootRequest
        {
            Log = bytes, ReferenceState = "{\"any\": 1}", Bank = TcgAlgorithms.Sha256, QuotedPcrs = quote,
        });
        Assert.True(result.Passed, string.Join("; ", result.Failures.Select(f => f.Message)));
    }
}
