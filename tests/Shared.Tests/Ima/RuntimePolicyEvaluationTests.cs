using System.Security.Cryptography;
using Keylime.Shared.Ima;
using static Keylime.Shared.Tests.Ima.ImaTestData;

namespace Keylime.Shared.Tests.Ima;

/// <summary>Spec §2.3: digests by path, excludes, ima-buf and the failure detail.</summary>
public class RuntimePolicyEvaluationTests
{
    private static readonly string Log826 = Log("ascii_runtime_measurements-826-ima-ng-sha1");
    private static readonly byte[] Pcr826 = Convert.FromHexString("c4a065637fc6a7c55f2811dd06cb45dd037133be2b3dc5c3e6fbe6bf061db724");

    [Fact]
    public void A_policy_built_for_a_log_passes_it()
    {
        Assert.True(Replay(PolicyFor(Log826), Log826, Pcr826).Passed);
    }

    [Fact]
    public void Changing_one_digest_of_the_policy_fails_naming_line_path_digest_and_rule()
    {
        var policy = PolicyFor(Log826, edit: d => d.Digests["/bin/sh"] = ["c90333979f56f38bbd41b81806015b0de502f3cd"]);
        var result = Replay(policy, Log826, Pcr826);

        Assert.Equal(ImaFailureKind.PolicyViolation, result.FailureKind);
        var failure = Assert.Single(result.Failures);
        Assert.Equal("ima.validation.ima-ng.runtime_policy_hash", failure.EventId);
        Assert.Equal(2, failure.Entry);
        Assert.Equal("/bin/sh", failure.Path);
        Assert.Equal("c90333979f56f38bbd41b81806015b0de502f3cc", failure.Digest);
        Assert.Equal("digests", failure.Rule);
        Assert.Null(result.NextState);
    }

    [Fact]
    public void Several_digests_per_path_are_allowed()
    {
        var policy = PolicyFor(Log826, edit: d => d.Digests["/bin/sh"].Insert(0, new string('a', 40)));
        Assert.True(Replay(policy, Log826, Pcr826).Passed);
    }

    [Fact]
    public void A_file_missing_from_the_policy_is_not_in_allowlist()
    {
        var policy = PolicyFor(Log826, edit: d => d.Digests.Remove("/init"));
        var failure = Assert.Single(Replay(policy, Log826, Pcr826).Failures);
        Assert.Equal("ima.validation.ima-ng.not_in_allowlist", failure.EventId);
        Assert.Equal("/init", failure.Path);
        Assert.Equal(1, failure.Entry);
    }

    [Fact]
    public void Entry_numbers_count_from_the_starting_offset()
    {
        var lines = Log826.Split('\n');
        var previous = ReferenceReplay(lines.Take(100), HashAlgorithmName.SHA256);
        var policy = PolicyFor(Log826, edit: d => d.Digests.Remove("/init"));
        var result = Replay(policy, Log826, Pcr826);
        Assert.Equal(1, result.FirstFailure!.Entry);

        var tail = string.Join('\n', lines.Skip(100));
        var policyWithoutSh = PolicyFor(Log826, edit: d => d.Digests.Remove(lines[150].Split(' ')[4]));
        var incremental = Replay(policyWithoutSh, tail, Pcr826, edit: r => r with { StartingOffset = 100, PreviousPcr10 = previous });
        Assert.Equal(150, incremental.FirstFailure!.Entry);
    }

    [Fact]
    public void Excludes_are_python_regexes_matched_at_the_start_of_the_path()
    {
        var policy = PolicyFor(Log826, edit: d =>
        {
            foreach (var path in d.Digests.Keys.Where(p => p.StartsWith("/usr/bin/", StringComparison.Ordinal) || p == "/bin/sh").ToList())
            {
                d.Digests.Remove(path);
            }

            d.Excludes.Add("/usr/(?P<dir>bin)/");
            d.Excludes.Add("/bin/s");
        });
        Assert.True(Replay(policy, Log826, Pcr826).Passed);
    }

    [Fact]
    public void An_exclude_only_matches_from_the_start()
    {
        var policy = PolicyFor(Log826, edit: d =>
        {
            d.Digests.Remove("/bin/sh");
            d.Excludes.Add("bin/sh");
        });
        Assert.Equal("/bin/sh", Assert.Single(Replay(policy, Log826, Pcr826).Failures).Path);
    }

    [Fact]
    public void An_exclude_that_does_not_compile_refuses_the_policy_naming_the_pattern()
    {
        var document = RuntimePolicyDocument.Empty();
        document.Excludes.Add("/ok/.*");
        document.Excludes.Add("/broken/(");
        var loaded = RuntimePolicy.Compile(document);

        Assert.False(loaded.Succeeded);
        Assert.Contains("/broken/(", loaded.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Ima_buf_entries_that_are_not_keys_are_checked_against_the_ima_buf_map()
    {
        var buffer = "6.1.0-13-amd64"u8.ToArray();
        var line = Line("ima-buf", "sha256", SHA256.HashData(buffer), "kernel_version", buffer);
        var quoted = ReferenceReplay([line], HashAlgorithmName.SHA256);

        var allowed = EmptyGenerator3Policy(d => d.ImaBuf["kernel_version"] = [Hex(SHA256.HashData(buffer))]);
        Assert.True(Replay(allowed, line, quoted).Passed);

        var other = EmptyGenerator3Policy(d => d.ImaBuf["kernel_version"] = [new string('0', 64)]);
        var failure = Assert.Single(Replay(other, line, quoted).Failures);
        Assert.Equal(("ima.validation.ima-ng.runtime_policy_hash", "ima-buf", "kernel_version"), (failure.EventId, failure.Rule, failure.Path));

        var generated = PolicyFor(line);
        Assert.True(Replay(generated, line, quoted).Passed);
    }

    [Fact]
    public void In_a_large_mixed_log_exactly_the_entries_the_policy_does_not_allow_fail()
    {
        // Thousands of paths (the table and the replay's look-ahead at scale), with empty lines, a
        // line that does not parse, ima-buf and unsigned ima-sig entries between them.
        var random = new Random(7);
        var lines = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var name = $"/usr/lib/pkg-{i % 97}/lib{i}.so";
            lines.Add(i % 500 == 250 ? Line("ima-sig", "sha256", SHA256.HashData(BitConverter.GetBytes(i)), name)
                : i % 700 == 350 ? Line("ima-buf", "sha256", SHA256.HashData("6.1.0"u8), "kernel_version", "6.1.0"u8.ToArray())
                : i % 900 == 450 ? ""
                : Line("ima-ng", "sha256", SHA256.HashData(BitConverter.GetBytes(i)), name));
        }

        var log = string.Join('\n', lines) + "\n";
        var changed = Enumerable.Range(0, 6).Select(_ => random.Next(lines.Count)).Where(i => lines[i].Contains(" ima-ng ", StringComparison.Ordinal)).ToHashSet();
        var removed = Enumerable.Range(0, 6).Select(_ => random.Next(lines.Count)).Where(i => lines[i].Contains(" ima-ng ", StringComparison.Ordinal)).Except(changed).ToHashSet();
        var excluded = lines.FindIndex(l => l.Contains("/pkg-5/", StringComparison.Ordinal));
        var policy = PolicyFor(log, edit: d =>
        {
            foreach (var i in changed)
            {
                d.Digests[lines[i].Split(' ')[4]] = [new string('a', 64)];
            }

            foreach (var i in removed)
            {
                d.Digests.Remove(lines[i].Split(' ')[4]);
            }

            d.Digests[lines[excluded].Split(' ')[4]] = [new string('b', 64)];
            d.Excludes.Add("/usr/lib/pkg-5/");
        });
        lines.Insert(1234, "10 not a line");
        log = string.Join('\n', lines) + "\n";
        var quoted = ReferenceReplay(lines.Where(l => !l.StartsWith("10 not", StringComparison.Ordinal)), HashAlgorithmName.SHA256);

        var result = Replay(policy, log, quoted, edit: r => r with { MaxReportedFailures = 100 });

        static int Shift(int i) => i >= 1234 ? i + 1 : i;
        var expected = changed.Select(i => ((long?)Shift(i), "ima.validation.ima-ng.runtime_policy_hash"))
            .Concat(removed.Select(i => ((long?)Shift(i), "ima.validation.ima-ng.not_in_allowlist")))
            .Append((1234, "ima.parser.entry"))
            .OrderBy(f => f.Item1);
        Assert.Equal(expected, result.Failures.Select(f => (f.Entry, f.EventId)));
        Assert.Equal(ImaFailureKind.PolicyViolation, result.FailureKind);
        Assert.Equal(lines.Count, result.CertifiedEntryCount);
    }

    [Fact]
    public void Too_many_failures_are_counted_but_only_the_first_are_detailed()
    {
        var result = Replay(EmptyGenerator3Policy(), Log826, Pcr826, edit: r => r with { MaxReportedFailures = 10 });
        Assert.Equal(826, result.FailureCount);
        Assert.Equal(10, result.Failures.Count);
    }
}
