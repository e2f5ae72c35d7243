using System.Buffers.Binary;

namespace Keylime.PushAgent.Evidence;

/// <summary>
/// The UEFI (TCG2 crypto-agile) boot event log (<c>measuredboot_ml_path</c>). It cannot change
/// while the machine runs, so it is read once at start and its bytes are sent as they are.
/// </summary>
public sealed class UefiLog
{
    private UefiLog(string path, byte[]? bytes)
    {
        Path = path;
        Bytes = bytes;
        EntryCount = bytes is null ? 0 : CountEvents(bytes);
    }

    public string Path { get; }

    /// <summary>The log, or null when it could not be read (then a request for it fails the evidence).</summary>
    public byte[]? Bytes { get; }

    /// <summary>TCG_PCR_EVENT2 records after the Spec ID event; 0 when absent or unparsable.</summary>
    public int EntryCount { get; }

    public static UefiLog Load(string path)
    {
        try
        {
            return new UefiLog(path, File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new UefiLog(path, null);
        }
    }

    /// <summary>
    /// Counts events of a crypto-agile log (TCG PC Client PFP §10): a SHA-1-format header event whose
    /// data is the Spec ID event (listing each algorithm's digest size), then TCG_PCR_EVENT2 records.
    /// All little-endian.
    /// </summary>
    internal static int CountEvents(ReadOnlySpan<byte> log)
    {
        try
        {
            // Header: pcrIndex, eventType, SHA-1 digest, eventSize, event (the Spec ID event).
            var headerSize = BinaryPrimitives.ReadInt32LittleEndian(log[28..]);
            var spec = log.Slice(32, headerSize);
            var algorithms = BinaryPrimitives.ReadInt32LittleEndian(spec[24..]);
            var sizes = new Dictionary<ushort, int>();
            for (var i = 0; i < algorithms; i++)
            {
                var at = 28 + (i * 4);
                sizes[BinaryPrimitives.ReadUInt16LittleEndian(spec[at..])] = BinaryPrimitives.ReadUInt16LittleEndian(spec[(at + 2)..]);
            }

            var pos = 32 + headerSize;
            var count = 0;
            while (pos + 12 <= log.Length)
            {
                var digests = BinaryPrimitives.ReadInt32LittleEndian(log[(pos + 8)..]);
                pos += 12;
                for (var d = 0; d < digests; d++)
                {
                    pos += 2 + sizes[BinaryPrimitives.ReadUInt16LittleEndian(log[pos..])];
                }

                var eventSize = BinaryPrimitives.ReadInt32LittleEndian(log[pos..]);
                pos += 4 + eventSize;
                if (pos > log.Length || eventSize < 0)
                {
                    return 0;
                }

                count++;
            }

            return count;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or KeyNotFoundException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
