using System.Security.Cryptography;
using Keylime.Shared.Ima;
using static Keylime.Shared.Tests.Ima.ImaTestData;

namespace Keylime.Shared.Tests.Ima;

/// <summary>Spec §1.5–§1.6: only new entries are replayed, from the state of the previous passed attestation.</summary>
public class ImaIncrementalTests
{
    private static readonly string[] Lines = Log("ascii_runtime_measurements-826-ima-ng-sha1").TrimEnd('\n').Split('\n');
    private static readonly RuntimePolicy Policy = PolicyFor(string.Join('\n', Lines));

    private static string Text(int from, int to) => string.Join('\n', Lines[from..to]) + "\n";

    private static byte[] Pcr(int entries) => ReferenceReplay(Lines.Take(entries), HashAlgorithmName.SHA256);

    /// <summary>One attestation: the agent sends entries [offset, logLength); the quote covers [0, quotedEntries).</summary>
    private static ImaReplayResult Attest(ImaReplayState? state, int logLength, int quotedEntries) =>
        Replay(Policy, Text((int)(state?.NextEntry ?? 0), logLength), Pcr(quotedEntries), edit: r => r with
        {
            StartingOffset = state?.NextEntry ?? 0,
            PreviousPcr10 = state?.Pcr10,
            PreviousProgress = state?.Progress,
            LearnedKeyrings = state?.LearnedKeyrings,
        });

    [Fact]
    public void Three_attestations_of_a_growing_log_reach_the_pcr_of_a_full_replay()
    {
        var first = Attest(null, 320, 300);
        Assert.True(first.Passed, first.FirstFailure?.Message);
        Assert.Equal((300, 320), (first.CertifiedEntryCount, first.ReceivedEntryCount));

        var second = Attest(first.NextState, 650, 600);
        Assert.True(second.Passed, second.FirstFailure?.Message);
        Assert.Equal((300, 350), (second.CertifiedEntryCount, second.ReceivedEntryCount));

        var third = Attest(second.NextState, 826, 826);
        Assert.True(third.Passed, third.FirstFailure?.Message);
        Assert.Equal(226, third.ReceivedEntryCount);

        var full = Replay(Policy, Text(0, 826), Pcr(826));
        Assert.Equal(826, third.NextState!.NextEntry);
        Assert.Equal(full.MatchedPcr10, third.NextState.Pcr10);
        Assert.Equal("c4a065637fc6a7c55f2811dd06cb45dd037133be2b3dc5c3e6fbe6bf061db724", Hex(third.NextState.Pcr10));
    }

    [Fact]
    public void A_quote_that_does_not_catch_up_with_entries_already_ahead_fails_quote_progress()
    {
        var first = Attest(null, 400, 300);
        var lagging = Attest(first.NextState, 420, 350);

        Assert.Equal("ima.quote_progress", Assert.Single(lagging.Failures).EventId);
        Assert.Null(lagging.NextState);
    }

    [Fact]
    public void After_a_reboot_the_stale_state_fails_and_a_replay_from_zero_passes()
    {
        var before = Attest(null, 600, 600);
        Assert.True(before.Passed);

        // New boot: a shorter log that starts again from the first entry.
        var rebootLog = Text(0, 200);
        var stale = Replay(Policy, rebootLog, Pcr(200), edit: r => r with { StartingOffset = 0, PreviousPcr10 = before.NextState!.Pcr10 });
        Assert.Equal(ImaFailureKind.BrokenEvidenceChain, stale.FailureKind);
        Assert.Null(stale.NextState);

        var reset = Attest(null, 200, 200);
        Assert.True(reset.Passed);
        Assert.Equal(200, reset.NextState!.NextEntry);
    }

    [Fact]
    public void Any_failure_resets_the_state_so_the_next_attestation_starts_from_zero()
    {
        var strict = PolicyFor(string.Join('\n', Lines), edit: d => d.Digests.Remove("/bin/sh"));
        var result = Replay(strict, Text(0, 100), Pcr(100));
        Assert.False(result.Passed);
        Assert.Null(result.NextState);
        Assert.Equal(100, result.CertifiedEntryCount);
    }

    [Fact]
    public void Empty_lines_are_skipped_but_count_towards_the_next_offset()
    {
        var text = Lines[0] + "\n\n" + Lines[1] + "\n";
        var result = Replay(Policy, text, Pcr(2));
        Assert.True(result.Passed);
        Assert.Equal((3, 2), (result.CertifiedEntryCount, result.ReceivedEntryCount));
    }
}
