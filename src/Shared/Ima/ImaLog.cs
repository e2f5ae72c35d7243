using System.Buffers;

namespace Keylime.Shared.Ima;

/// <summary>
/// Replays an IMA ASCII log into PCR 10 of the quote's bank and checks every entry against a
/// runtime policy (spec §1.4–§1.5, §2.3). One call per attestation; see <see cref="ImaReplayRequest"/>
/// for the incremental inputs and <see cref="ImaReplayResult.NextState"/> for what to keep.
/// </summary>
public static class ImaLog
{
    public static ImaReplayResult Replay(RuntimePolicy policy, ImaReplayRequest request)
    {
        var bankSize = request.Bank.Size();
        if (request.QuotedPcr10.Length != bankSize
            || (request.PreviousPcr10 is { } previous && previous.Length != bankSize))
        {
            throw new ArgumentException($"PCR 10 values must be {bankSize} bytes for {request.Bank.Name()}");
        }

        var run = new ImaEntryChecker(policy, request);
        try
        {
            return Run(run, request, bankSize);
        }
        finally
        {
            run.Dispose();
        }
    }

    private static ImaReplayResult Run(ImaEntryChecker checker, ImaReplayRequest request, int bankSize)
    {
        // The running PCR, then room for an entry's contribution and the hash padding (see ImaEntryChecker.Check).
        Span<byte> pcrBlock = stackalloc byte[(2 * bankSize) + ImaDigester.PaddingRoom];
        var running = pcrBlock[..bankSize];
        Span<byte> matched = stackalloc byte[bankSize];
        if (request.PreviousPcr10 is { } start)
        {
            start.CopyTo(running);
        }
        else
        {
            running.Clear();
        }

        var quoted = request.QuotedPcr10.Span;
        var matchLine = running.SequenceEqual(quoted) ? 0 : -1;
        running.CopyTo(matched);
        // One line ahead: while line i is hashed and checked, line i+1 is already parsed and its
        // policy slot requested from memory (see ImaEntryChecker.Prepare), so the table look-ups
        // of a large policy overlap the hashing instead of stalling on cache misses.
        var text = request.Entries.AsSpan();
        var nextIndex = 0;
        // Two prepared lines whose roles swap by reference each step, never copied.
        scoped var first = default(PreparedLine);
        scoped var second = default(PreparedLine);
        ref var current = ref first;
        ref var next = ref second;
        var hasCurrent = TryTakeLine(ref text, ref nextIndex, out var line, out var lineIndex);
        if (hasCurrent)
        {
            checker.Prepare(line, ref current);
        }

        var received = 0;
        while (hasCurrent)
        {
            checker.PrefetchRecord(current);
            var hasNext = TryTakeLine(ref text, ref nextIndex, out var nextLine, out var nextLineIndex);
            if (hasNext)
            {
                checker.Prepare(nextLine, ref next);
            }

            received++;
            checker.Check(current, request.StartingOffset + lineIndex, pcrBlock);
            if (matchLine < 0 && running.SequenceEqual(quoted))
            {
                matchLine = lineIndex + 1;
                running.CopyTo(matched);
            }

            hasCurrent = hasNext;
            lineIndex = nextLineIndex;
            ref var done = ref current;
            current = ref next;
            next = ref done;
        }

        return Conclude(checker, request, matchLine, received, matchLine >= 0 ? matched.ToArray() : null);
    }

    /// <summary>
    /// The next non-empty line of <paramref name="text"/> (lines end at <c>\n</c>) and its index;
    /// <paramref name="nextIndex"/> counts every line, empty ones included (entry numbers do too).
    /// </summary>
    private static bool TryTakeLine(ref ReadOnlySpan<char> text, ref int nextIndex, out ReadOnlySpan<char> line, out int index)
    {
        while (!text.IsEmpty)
        {
            var newline = text.IndexOf('\n');
            line = newline < 0 ? text : text[..newline];
            text = newline < 0 ? default : text[(newline + 1)..];
            index = nextIndex++;
            if (!line.IsEmpty)
            {
                return true;
            }
        }

        line = default;
        index = nextIndex;
        return false;
    }

    private static ImaReplayResult Conclude(ImaEntryChecker checker, ImaReplayRequest request, int matchLine, int received, byte[]? matchedPcr)
    {
        if (matchLine < 0)
        {
            checker.Fail(new ImaFailure(
                "ima.pcr_mismatch", ImaFailureKind.BrokenEvidenceChain, null, null, null, "pcr10",
                $"IMA measurement list does not match TPM PCR {Convert.ToHexStringLower(request.QuotedPcr10.Span)} " +
                $"({request.Bank.Name()} bank) after any of its {received} entries"));
        }
        else if (request.PreviousProgress is { } previous)
        {
            // The previous quote left (received - certified) entries uncovered; this quote must at
            // least cover those, or it is not making progress (spec §1.5 step 4).
            var lagging = previous.ReceivedEntries - previous.CertifiedEntries;
            if (lagging > 0 && matchLine < lagging)
            {
                checker.Fail(new ImaFailure(
                    "ima.quote_progress", ImaFailureKind.PolicyViolation, null, null, null, "quote_progress",
                    $"the quote covers {matchLine} new entries but {lagging} were already ahead of the previous quote"));
            }
        }

        var failures = checker.Failures;
        var passed = checker.FailureCount == 0;
        var certified = Math.Max(matchLine, 0);
        return new ImaReplayResult
        {
            Failures = failures,
            FailureCount = checker.FailureCount,
            FailureKind = passed ? null
                : failures.Any(f => f.Kind == ImaFailureKind.BrokenEvidenceChain) ? ImaFailureKind.BrokenEvidenceChain
                : ImaFailureKind.PolicyViolation,
            CertifiedEntryCount = certified,
            ReceivedEntryCount = received,
            MatchedPcr10 = matchedPcr,
            LearnedKeyrings = checker.LearnedKeyrings,
            NextState = passed
                ? new ImaReplayState(request.StartingOffset + certified, matchedPcr!, new ImaQuoteProgress(certified, received), checker.LearnedKeyrings)
                : null,
        };
    }
}
