using System.Text;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>
/// A parsed binary TCG PC Client event log (<c>binary_bios_measurements</c>, spec §3.1): the banks
/// declared by the Spec ID header and every event in order. Parse once, then <see cref="Replay"/>.
/// </summary>
public sealed class EventLog
{
    private const int MaxPcrIndex = 31;
    private static readonly byte[] SpecIdSignature = "Spec ID Event03\0"u8.ToArray();

    private EventLog(IReadOnlyDictionary<ushort, int> digestSizes, IReadOnlyList<TcgEvent> events, bool cryptoAgile)
    {
        DigestSizes = digestSizes;
        Events = events;
        IsCryptoAgile = cryptoAgile;
    }

    /// <summary>TPM_ALG_ID → digest size, from the Spec ID event (SHA-1 only for a TPM 1.2 log).</summary>
    public IReadOnlyDictionary<ushort, int> DigestSizes { get; }

    /// <summary>All events; <c>Events[0]</c> is the header (PCR 0, EV_NO_ACTION).</summary>
    public IReadOnlyList<TcgEvent> Events { get; }

    /// <summary>False for a TPM 1.2 SHA-1-only log without a Spec ID header.</summary>
    public bool IsCryptoAgile { get; }

    /// <summary>Parses a log or returns why it cannot: empty, truncated, unknown algorithm, PCR out of range.</summary>
    public static EventLogParseResult TryParse(ReadOnlyMemory<byte> log)
    {
        try
        {
            return new EventLogParseResult(Parse(log), null);
        }
        catch (EventLogFormatException e)
        {
            return new EventLogParseResult(null, e.Message);
        }
    }

    /// <summary>Parses a log; throws <see cref="EventLogFormatException"/> naming the problem.</summary>
    public static EventLog Parse(ReadOnlyMemory<byte> log)
    {
        if (log.IsEmpty)
        {
            throw new EventLogFormatException("the UEFI event log is empty");
        }

        var reader = new LittleEndianReader(log.Span);
        var header = ReadLegacyEvent(ref reader, log, 0);
        var events = new List<TcgEvent> { header };
        if (header.EventType != TcgEventTypes.NoAction || !header.Data.Span.StartsWith(SpecIdSignature))
        {
            // TPM 1.2 format: every record is a SHA-1 TCG_PCR_EVENT.
            while (!reader.IsAtEnd)
            {
                events.Add(ReadLegacyEvent(ref reader, log, events.Count));
            }

            return new EventLog(new Dictionary<ushort, int> { [TcgAlgorithms.Sha1] = 20 }, events, false);
        }

        var sizes = ReadSpecId(header.Data.Span);
        while (!reader.IsAtEnd)
        {
            events.Add(ReadEvent2(ref reader, log, sizes, events.Count));
        }

        return new EventLog(sizes, events, true);
    }

    /// <summary>Replays every bank (spec §3.2); see <see cref="EventLogReplay"/>.</summary>
    public EventLogReplay Replay() => EventLogReplay.Of(this);

    private static TcgEvent ReadLegacyEvent(ref LittleEndianReader reader, ReadOnlyMemory<byte> log, int number)
    {
        var pcr = ReadPcrIndex(ref reader, number);
        var type = reader.ReadUInt32("event type");
        var digest = reader.ReadBytes(20, "SHA-1 digest").ToArray();
        var size = reader.ReadUInt32("event size");
        var start = reader.Position;
        reader.ReadBytes(size, $"data of event {number}");
        return new TcgEvent(number, pcr, type, [new TcgDigest(TcgAlgorithms.Sha1, digest)], log.Slice(start, (int)size));
    }

    private static TcgEvent ReadEvent2(ref LittleEndianReader reader, ReadOnlyMemory<byte> log, Dictionary<ushort, int> sizes, int number)
    {
        var pcr = ReadPcrIndex(ref reader, number);
        var type = reader.ReadUInt32("event type");
        var count = reader.ReadUInt32("digest count");
        if (count > sizes.Count)
        {
            throw new EventLogFormatException($"event {number} declares {count} digests but the log has {sizes.Count} banks");
        }

        var digests = new TcgDigest[count];
        for (var i = 0; i < count; i++)
        {
            var alg = reader.ReadUInt16("digest algorithm");
            if (!sizes.TryGetValue(alg, out var size))
            {
                throw new EventLogFormatException($"event {number} uses algorithm 0x{alg:x4}, which the Spec ID event does not declare");
            }

            digests[i] = new TcgDigest(alg, reader.ReadBytes(size, $"digest of event {number}").ToArray());
        }

        var dataSize = reader.ReadUInt32("event size");
        var start = reader.Position;
        reader.ReadBytes(dataSize, $"data of event {number}");
        return new TcgEvent(number, pcr, type, digests, log.Slice(start, (int)dataSize));
    }

    private static uint ReadPcrIndex(ref LittleEndianReader reader, int number)
    {
        var pcr = reader.ReadUInt32("PCR index");
        if (pcr > MaxPcrIndex)
        {
            throw new EventLogFormatException($"event {number} names PCR {pcr}; PCR indices stop at {MaxPcrIndex} (not a TCG event log?)");
        }

        return pcr;
    }

    /// <summary>TCG_EfiSpecIDEvent: signature, platform class, versions, uintn size, then the algorithm table.</summary>
    private static Dictionary<ushort, int> ReadSpecId(ReadOnlySpan<byte> data)
    {
        var reader = new LittleEndianReader(data);
        reader.ReadBytes(16, "Spec ID signature");
        reader.ReadUInt32("platform class");
        reader.ReadBytes(4, "spec version and uintn size");
        var count = reader.ReadUInt32("number of algorithms");
        if (count == 0 || count > 16)
        {
            throw new EventLogFormatException($"the Spec ID event declares {count} algorithms");
        }

        var sizes = new Dictionary<ushort, int>();
        for (var i = 0; i < count; i++)
        {
            var alg = reader.ReadUInt16("algorithm id");
            var size = reader.ReadUInt16("digest size");
            if (size is 0 or > 64)
            {
                throw new EventLogFormatException($"the Spec ID event declares a {size}-byte digest for algorithm 0x{alg:x4}");
            }

            sizes[alg] = size;
        }

        return sizes;
    }

    /// <summary>ASCII/UTF-8 event text without one trailing NUL, as Keylime's post-processing renders strings.</summary>
    public static string Text(ReadOnlySpan<byte> data)
    {
        if (!data.IsEmpty && data[^1] == 0)
        {
            data = data[..^1];
        }

        return Encoding.UTF8.GetString(data);
    }
}

/// <summary>Either a parsed log or the reason it was refused.</summary>
public sealed record EventLogParseResult(EventLog? Log, string? Error)
{
    public bool Succeeded => Log is not null;
}
