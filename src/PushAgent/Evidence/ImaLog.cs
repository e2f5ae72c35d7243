using System.Text;

namespace Keylime.PushAgent.Evidence;

/// <summary>
/// The IMA ascii measurement list (<c>ima_ml_path</c>), read incrementally: the byte offset of the
/// entry last asked for is remembered, so each cycle reads only what the kernel appended since
/// (spec/push-agent.md §6.3). A missing file counts as an empty log.
/// </summary>
public sealed class ImaLog
{
    private long _cachedEntry;
    private long _cachedOffset;

    public ImaLog(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>Number of newline-terminated entries now in the log (0 when the file is unreadable).</summary>
    public long CountEntries()
    {
        if (!File.Exists(Path))
        {
            return 0; // no IMA on this machine: asked every cycle, so no exception every cycle
        }

        try
        {
            var (first, lines) = ReadLines(long.MaxValue);
            return first + lines.Count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The entries from <paramref name="startingOffset"/> on. An offset past the end means the log
    /// restarted (a reboot), so the whole log is sent from entry 0, as the Rust agent does. With
    /// <paramref name="entryCount"/> only that many entries are sent, joined without a final newline.
    /// </summary>
    public (string Entries, long Count) Read(long startingOffset, long? entryCount)
    {
        var (first, lines) = ReadLines(startingOffset);
        if (startingOffset > first + lines.Count)
        {
            (first, lines) = ReadLines(0);
            startingOffset = 0;
        }

        var wanted = lines.Skip((int)(startingOffset - first)).ToList();
        if (entryCount is { } n && n < wanted.Count)
        {
            return (string.Join("\n", wanted.Take((int)n).Select(l => l.TrimEnd('\n'))), n);
        }

        return (string.Concat(wanted), wanted.Count);
    }

    /// <summary>
    /// The complete lines from the cached position (at or before entry <paramref name="wanted"/>) to
    /// the end of the file, and the entry index of the first; moves the cache to <paramref name="wanted"/>.
    /// </summary>
    private (long FirstEntry, List<string> Lines) ReadLines(long wanted)
    {
        var (entry, offset) = _cachedEntry <= wanted ? (_cachedEntry, _cachedOffset) : (0L, 0L);
        var length = new FileInfo(Path).Length;
        if (length > 0 && length < offset)
        {
            // The file was replaced by a shorter one: start over. (securityfs reports length 0.)
            (entry, offset) = (0, 0);
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096);
        if (offset > 0)
        {
            stream.Seek(offset, SeekOrigin.Begin);
        }

        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (entry + lines.Count == wanted)
            {
                _cachedEntry = wanted;
                _cachedOffset = offset + start;
            }

            if (bytes[i] == (byte)'\n')
            {
                lines.Add(Encoding.UTF8.GetString(bytes[start..(i + 1)]));
                start = i + 1;
            }
        }

        if (entry + lines.Count == wanted)
        {
            _cachedEntry = wanted;
            _cachedOffset = offset + start;
        }

        return (entry, lines);
    }
}
