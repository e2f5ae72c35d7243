using System.Security.Cryptography;
using Keylime.Shared.Ima;
using static Keylime.Shared.Tests.Ima.ImaTestData;

namespace Keylime.Shared.Tests.Ima;

/// <summary>Spec §1.4–§1.5 and §1.7: template hashes, bank replay, matching the quoted PCR 10.</summary>
public class ImaReplayTests
{
    private const string Log826 = "ascii_runtime_measurements-826-ima-ng-sha1";

    [Theory]
    [InlineData(ImaHashAlgorithm.Sha1, "82231c67a69da98dc5b3aa10f6343d33109225fc")]
    [InlineData(ImaHashAlgorithm.Sha256, "c4a065637fc6a7c55f2811dd06cb45dd037133be2b3dc5c3e6fbe6bf061db724")]
    public void The_826_entry_log_replays_to_the_spec_vector_in_each_bank(ImaHashAlgorithm bank, string expected)
    {
        var log = Log(Log826);
        var result = Replay(PolicyFor(log), log, Convert.FromHexString(expected), bank);

        Assert.True(result.Passed, result.FirstFailure?.Message);
        Assert.Equal(826, result.CertifiedEntryCount);
        Assert.Equal(826, result.ReceivedEntryCount);
        Assert.Equal(expected, Hex(result.MatchedPcr10));
        Assert.Equal(826, result.NextState!.NextEntry);
    }

    [Theory]
    [InlineData(ImaHashAlgorithm.Sha1, "703b9083e1f35ae2faf8aee75f0541c709c53c77")]
    [InlineData(ImaHashAlgorithm.Sha256, "c7b7b6cd2a56c8cf9e46cf2f7773b455053e4d9af2999cd5e81004e16329666d")]
    public void The_one_entry_log_replays_to_the_spec_vector(ImaHashAlgorithm bank, string expected)
    {
        var log = Log("ima_log-1-entry.txt");
        var result = Replay(PolicyFor(log), log, Convert.FromHexString(expected), bank);
        Assert.True(result.Passed, result.FirstFailure?.Message);
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("sha256")]
    [InlineData("sha384")]
    [InlineData("sha512")]
    public void Two_line_logs_of_each_digest_algorithm_parse_and_replay(string alg)
    {
        var log = Log("ima-log-" + alg);
        Assert.Contains(alg + ":", log, StringComparison.Ordinal);
        var lines = log.Split('\n');
        foreach (var bank in new[] { (ImaHashAlgorithm.Sha1, HashAlgorithmName.SHA1), (ImaHashAlgorithm.Sha256, HashAlgorithmName.SHA256) })
        {
            var expected = ReferenceReplay(lines, bank.Item2);
            var result = Replay(PolicyFor(log), log, expected, bank.Item1);
            Assert.True(result.Passed, result.FirstFailure?.Message);
            Assert.Equal(2, result.CertifiedEntryCount);
        }
    }

    [Theory]
    [InlineData("sm3_256")]
    [InlineData("unknown")]
    public void Logs_with_sm3_or_unknown_digest_algorithms_are_refused_naming_the_algorithm(string alg)
    {
        var log = Log("ima-log-" + alg);
        var result = Replay(EmptyGenerator3Policy(), log, new byte[32]);

        Assert.False(result.Passed);
        var parse = result.Failures.Where(f => f.EventId == "ima.parser.entry").ToList();
        Assert.Equal(2, parse.Count);
        Assert.All(parse, f => Assert.Contains("unsupported file digest algorithm", f.Message, StringComparison.Ordinal));
        Assert.All(parse, f => Assert.Contains(alg + ":", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_legacy_ima_template_hashes_the_digest_and_a_256_byte_name()
    {
        const string line = "10 d7026dc672344d3ee372217bdbc7395947788671 ima 6f66d1d8e2fffcc12dfcb78c04b81fe5b8bbae4e /usr/bin/kmod";
        var policy = PolicyFor(line);
        var result = Replay(policy, line, Enumerable.Repeat((byte)1, 20).ToArray(), ImaHashAlgorithm.Sha1);

        // The quote is deliberately wrong: the only failure must be the PCR mismatch, not the template hash.
        Assert.Equal(["ima.pcr_mismatch"], result.Failures.Select(f => f.EventId));
    }

    [Fact]
    public void A_log_that_does_not_reach_the_quoted_pcr_is_a_broken_evidence_chain()
    {
        var log = Log(Log826);
        var result = Replay(PolicyFor(log), log, Enumerable.Repeat((byte)1, 32).ToArray());

        Assert.Equal(ImaFailureKind.BrokenEvidenceChain, result.FailureKind);
        Assert.Equal("ima.pcr_mismatch", result.FirstFailure!.EventId);
        Assert.Null(result.NextState);
    }

    [Fact]
    public void A_log_ahead_of_the_quote_matches_at_the_first_prefix_equal_to_the_quote()
    {
        var log = Log(Log826);
        var lines = log.Split('\n');
        var quoted = ReferenceReplay(lines.Take(500), HashAlgorithmName.SHA256);
        var result = Replay(PolicyFor(log), log, quoted);

        Assert.True(result.Passed, result.FirstFailure?.Message);
        Assert.Equal(500, result.CertifiedEntryCount);
        Assert.Equal(826, result.ReceivedEntryCount);
        Assert.Equal(quoted, result.MatchedPcr10);
    }

    [Fact]
    public void A_wrong_template_hash_column_fails_naming_the_entry()
    {
        var log = Log(Log826);
        var lines = log.Split('\n');
        lines[7] = string.Concat("10 ", new string('1', 40), lines[7].AsSpan(43));
        var tampered = string.Join('\n', lines);
        var quoted = ReferenceReplay(lines, HashAlgorithmName.SHA256);
        var result = Replay(PolicyFor(log), tampered, quoted);

        var failure = Assert.Single(result.Failures);
        Assert.Equal("ima.validation.ima_hash", failure.EventId);
        Assert.Equal(7, failure.Entry);
        Assert.Equal(ImaFailureKind.PolicyViolation, result.FailureKind);
    }

    [Fact]
    public void A_line_that_does_not_parse_is_reported_and_not_extended()
    {
        var log = Log("invalid_ima_log.txt");
        var result = Replay(EmptyGenerator3Policy(), log, new byte[32]);

        // Not extended, so the zero PCR still matches the zero quote; only the parse error remains.
        var failure = Assert.Single(result.Failures);
        Assert.Equal("ima.parser.entry", failure.EventId);
        Assert.Contains("this-is-an-invalid-ima-log-file", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_log_passes_when_the_quote_equals_the_saved_pcr()
    {
        var saved = RandomNumberGenerator.GetBytes(32);
        var result = Replay(EmptyGenerator3Policy(), Log("empty_ima_log.txt"), saved,
            edit: r => r with { PreviousPcr10 = saved, StartingOffset = 12 });

        Assert.True(result.Passed);
        Assert.Equal(12, result.NextState!.NextEntry);
    }

    [Fact]
    public void Violation_entries_extend_ff_and_are_accepted_unless_configured_to_fail()
    {
        var line = $"10 {new string('0', 40)} ima-ng sha256:{new string('0', 64)} /var/log/syslog";
        var expected = SHA256.HashData([.. new byte[32], .. Enumerable.Repeat((byte)0xFF, 32)]);
        var policy = EmptyGenerator3Policy();

        Assert.True(Replay(policy, line, expected).Passed);
        var strict = Replay(policy, line, expected, edit: r => r with { FailOnViolations = true });
        Assert.Equal("ima.validation.tomtou", Assert.Single(strict.Failures).EventId);
    }

    [Fact]
    public void An_entry_measured_into_another_pcr_fails_but_is_still_extended()
    {
        var line = Line("ima-ng", "sha256", SHA256.HashData("x"u8), "/bin/x", pcr: "11");
        var policy = PolicyFor(line);
        var result = Replay(policy, line, ReferenceReplay([line], HashAlgorithmName.SHA256));

        Assert.Equal("ima.validation.ima_pcr", Assert.Single(result.Failures).EventId);
    }

    [Fact]
    public void Boot_aggregates_from_the_uefi_log_are_allowed_in_addition_to_the_policy()
    {
        var log = Log("ima_log-1-entry.txt");
        var quoted = Convert.FromHexString("c7b7b6cd2a56c8cf9e46cf2f7773b455053e4d9af2999cd5e81004e16329666d");
        var policy = EmptyGenerator3Policy();

        Assert.Equal("ima.validation.ima-ng.not_in_allowlist", Assert.Single(Replay(policy, log, quoted).Failures).EventId);
        var aggregate = "fec395eacfbd4d9bfd3ddce68ccf0792159494ff7aae89c556f7f2796046f871";
        Assert.True(Replay(policy, log, quoted, edit: r => r with { BootAggregates = [aggregate] }).Passed);
    }
}
