using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Keylime.Shared.Ima;

/// <summary>
/// Per-attestation worker of <see cref="ImaLog"/>: parses one line, checks its template hash,
/// extends the running PCR and evaluates the policy. Holds the reusable template buffer, so the
/// loop allocates nothing per entry; allocations happen only to describe failures or learn keys.
/// </summary>
internal sealed class ImaEntryChecker : IDisposable
{
    private readonly RuntimePolicy _policy;
    private readonly ImaReplayRequest _request;
    private readonly ImaHashAlgorithm _logAlg;
    private readonly ImaHashAlgorithm _bank;
    private readonly int _logSize;
    private readonly int _bankSize;
    private readonly List<ImaFailure> _failures = [];
    private readonly Dictionary<string, ImaKeyring> _learned = new(StringComparer.Ordinal);
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);

    // Per-call overhead dominates hashing a 100-byte template; see ImaDigester.
    private readonly ImaDigester _logHasher;
    private readonly ImaDigester _bankHasher;

    public ImaEntryChecker(RuntimePolicy policy, ImaReplayRequest request)
    {
        _policy = policy;
        _request = request;
        _logAlg = policy.LogHashAlgorithm;
        _bank = request.Bank;
        _logSize = _logAlg.Size();
        _bankSize = _bank.Size();
        _logHasher = ImaDigester.Create(_logAlg);
        _bankHasher = _bank == _logAlg ? _logHasher : ImaDigester.Create(_bank);
        if (request.LearnedKeyrings is { } learned)
        {
            foreach (var (name, ring) in learned)
            {
                var copy = new ImaKeyring();
                foreach (var key in ring.Keys)
                {
                    copy.Add(key);
                }

                _learned[name] = copy;
            }
        }
    }

    public IReadOnlyList<ImaFailure> Failures => _failures;

    public int FailureCount { get; private set; }

    public IReadOnlyDictionary<string, ImaKeyring> LearnedKeyrings => _learned;

    public void Fail(ImaFailure failure)
    {
        FailureCount++;
        if (_failures.Count < _request.MaxReportedFailures || failure.Kind == ImaFailureKind.BrokenEvidenceChain)
        {
            _failures.Add(failure);
        }
    }

    /// <summary>
    /// Parses a line ahead of <see cref="Check"/> and, for entries checked against <c>digests</c>,
    /// hashes the path and asks the CPU to load its policy slot (see <see cref="PolicyPathTable"/>).
    /// Writes into the caller's <paramref name="prepared"/>: the entry is ~100 bytes of spans, and
    /// returning it by value cost measurable copies per entry.
    /// </summary>
    public void Prepare(ReadOnlySpan<char> line, ref PreparedLine prepared)
    {
        prepared.Line = line;
        prepared.PathHash = 0;
        if (ImaLineParser.TryParse(line, out prepared.Entry, out prepared.Error) && prepared.Entry.Template != ImaTemplate.ImaBuf)
        {
            prepared.PathHash = _policy.DigestTable.HashOf(prepared.Entry.Name);
            _policy.DigestTable.PrefetchSlot(prepared.PathHash);
        }
    }

    /// <summary>Once the slot has arrived (a line later), asks for the record it points to.</summary>
    public void PrefetchRecord(in PreparedLine line)
    {
        if (line.Error is null && line.Entry.Template != ImaTemplate.ImaBuf)
        {
            _policy.DigestTable.PrefetchRecord(line.PathHash, line.Entry.Name.Length);
        }
    }

    /// <summary>Processes one prepared line: a line that does not parse is not extended (spec §1.2).</summary>
    /// <remarks>
    /// <paramref name="pcrBlock"/> holds the running PCR 10 and room for the entry's contribution
    /// after it plus <see cref="ImaDigester.PaddingRoom"/>, so the extend hashes it in place.
    /// </remarks>
    public void Check(in PreparedLine line, long entry, Span<byte> pcrBlock)
    {
        if (line.Error is { } error)
        {
            FailParse(line.Line, entry, error);
            return;
        }

        ref readonly var parsed = ref line.Entry;
        var templateSize = ImaTemplateData.MaxSize(parsed) + ImaDigester.PaddingRoom;
        if (templateSize > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(templateSize);
        }

        if (!ImaTemplateData.TryBuild(parsed, _buffer, out var written))
        {
            FailParse(line.Line, entry, "name too long for the ima template (255 bytes at most)");
            return;
        }

        var template = _buffer.AsSpan(0, written);
        var verdict = CheckTemplateHash(parsed, written, pcrBlock.Slice(_bankSize, _bankSize));
        _bankHasher.HashInPlace(pcrBlock, 2 * _bankSize, pcrBlock[.._bankSize]);

        if (!parsed.IsPcr10)
        {
            Fail(new ImaFailure("ima.validation.ima_pcr", ImaFailureKind.PolicyViolation, entry, parsed.Name.ToString(), null, "pcr",
                $"entry was measured into PCR {parsed.Pcr}, expected 10"));
        }

        if (verdict == TemplateVerdict.Violation)
        {
            if (_request.FailOnViolations)
            {
                Fail(new ImaFailure("ima.validation.tomtou", ImaFailureKind.PolicyViolation, entry, parsed.Name.ToString(), null, "violation",
                    "IMA violation entry (ToMToU / open writers)"));
            }
        }
        else if (verdict == TemplateVerdict.Mismatch)
        {
            Fail(new ImaFailure("ima.validation.ima_hash", ImaFailureKind.PolicyViolation, entry, parsed.Name.ToString(),
                parsed.TemplateHashHex.ToString(), "template_hash",
                $"template hash column is not the {_logAlg.Name()} of the template data ({Convert.ToHexStringLower(_logAlg.HashToArray(template))} expected)"));
        }
        else
        {
            ImaPolicyEvaluator.Evaluate(this, _policy, _request, parsed, entry, template, line.PathHash);
        }
    }

    private enum TemplateVerdict
    {
        Valid,
        Mismatch,
        Violation,
    }

    /// <summary>
    /// Checks column 2 against H_log(template) and computes the bank contribution H_bank(template);
    /// a violation entry (all-zero column of the log hash size) contributes all-0xFF instead (spec §1.4).
    /// </summary>
    [SkipLocalsInit]
    private TemplateVerdict CheckTemplateHash(in ImaEntry parsed, int templateLength, Span<byte> contribution)
    {
        Span<byte> column = stackalloc byte[64];
        column = column[.._logSize];
        var columnHex = parsed.TemplateHashHex;
        var columnValid = columnHex.Length == _logSize * 2;
        if (columnValid)
        {
            if (IsAllZeroHex(columnHex))
            {
                contribution.Fill(0xFF);
                return TemplateVerdict.Violation;
            }

            ImaTemplateData.DecodeHex(columnHex, column);
        }

        // Both hash the template where it was built; the padding goes into the buffer's spare room.
        Span<byte> computed = stackalloc byte[64];
        computed = computed[.._logSize];
        _logHasher.HashInPlace(_buffer, templateLength, computed);
        if (_bank == _logAlg)
        {
            computed.CopyTo(contribution);
        }
        else
        {
            _bankHasher.HashInPlace(_buffer, templateLength, contribution);
        }

        return columnValid && computed.SequenceEqual(column) ? TemplateVerdict.Valid : TemplateVerdict.Mismatch;
    }

    /// <summary>
    /// The column reads all '0' (a violation). Checked on the text, four characters per 64-bit read:
    /// reading the decoded bytes back right after the decoder's overlapping vector stores stalled
    /// on store-to-load forwarding.
    /// </summary>
    private static bool IsAllZeroHex(ReadOnlySpan<char> hex)
    {
        const ulong Zeros = 0x0030_0030_0030_0030; // "0000" in UTF-16
        var words = MemoryMarshal.Cast<char, ulong>(hex);
        var any = 0UL;
        foreach (var word in words)
        {
            any |= word ^ Zeros;
        }

        foreach (var c in hex[(words.Length * 4)..])
        {
            any |= c ^ (ulong)'0';
        }

        return any == 0;
    }

    private void FailParse(ReadOnlySpan<char> line, long entry, string reason)
    {
        var shown = line.Length > 200 ? string.Concat(line[..200], "…") : line.ToString();
        Fail(new ImaFailure("ima.parser.entry", ImaFailureKind.PolicyViolation, entry, null, null, "parser",
            $"entry {entry} does not parse ({reason}): {shown}"));
    }

    internal void Learn(string keyring, ImaKey key)
    {
        if (!_learned.TryGetValue(keyring, out var ring))
        {
            _learned[keyring] = ring = new ImaKeyring();
        }

        ring.Add(key);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _logHasher.Dispose();
        if (!ReferenceEquals(_bankHasher, _logHasher))
        {
            _bankHasher.Dispose();
        }
    }
}

/// <summary>A line parsed ahead of its check: the entry or the parse error, and the hash of its path in the <c>digests</c> table.</summary>
internal ref struct PreparedLine
{
    public ReadOnlySpan<char> Line;

    public ImaEntry Entry;

    public string? Error;

    public ulong PathHash;
}
