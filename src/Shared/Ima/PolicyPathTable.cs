using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Keylime.Shared.Ima;

/// <summary>What a policy map says about one (path, digest) pair.</summary>
internal enum PathMatch
{
    /// <summary>The path is not in the map.</summary>
    Missing,

    /// <summary>The path is listed with this digest.</summary>
    Listed,

    /// <summary>The path is listed, with other digests only.</summary>
    WrongDigest,
}

/// <summary>
/// One of the runtime policy's path → allowed-digests maps (<c>digests</c>, <c>keyrings</c>,
/// <c>ima-buf</c>) laid out for the replay's one lookup per entry. Built once per policy; immutable
/// afterwards, so safe to share across threads.
/// </summary>
/// <remarks>
/// Why not a <see cref="Dictionary{TKey, TValue}"/>: with a 100,000-path policy nearly every lookup
/// misses the cache, and a dictionary lookup is a chain of dependent loads — bucket, entry, key
/// string, value array, each digest string — each a likely miss. Here a lookup reads one 8-byte
/// slot (a 32-bit hash tag and the record's offset; linear probing at a load factor of at most ½,
/// so a probe stays in one cache line) and then one contiguous record in the arena:
/// <c>[path length][digest count][index][path, UTF-16][len, digest bytes]…</c>. Digests are stored
/// decoded, so matching compares raw bytes: the same verdict as Keylime's comparison of the hex
/// text ignoring case, because the parser only lets through hex of even length, and a policy value
/// that is not hex can never equal such text (it is kept for messages but not in the arena).
/// The hash is seeded per table, so a log cannot be crafted to probe long runs of slots.
/// </remarks>
internal sealed class PolicyPathTable
{
    /// <summary>Path length, digest count, index into <see cref="_allowed"/>: three ints.</summary>
    private const int HeaderBytes = 12;

    /// <summary>Longest file digest a log line can carry (SHA-512); longer policy values can never match.</summary>
    private const int MaxDigestBytes = 64;

    private readonly ulong[] _slots;
    private readonly byte[] _arena;
    private readonly string[][] _allowed;
    private readonly ulong _seed;
    private readonly ulong _hashMask;
    private readonly int _mask;

    private PolicyPathTable(ulong[] slots, byte[] arena, string[][] allowed, ulong seed, ulong hashMask)
    {
        _slots = slots;
        _arena = arena;
        _allowed = allowed;
        _seed = seed;
        _hashMask = hashMask;
        _mask = slots.Length - 1;
    }

    public int Count => _allowed.Length;

    /// <summary>Arena plus slot bytes, for the benchmark's report.</summary>
    public long SizeInBytes => _arena.Length + (_slots.Length * 8L);

    public static PolicyPathTable Build(IReadOnlyDictionary<string, List<string>> map) => Build(map, ulong.MaxValue);

    /// <summary>
    /// <paramref name="hashMask"/> is ANDed into every hash: all ones but in tests, which clear bits
    /// to force paths onto the same slots and tags.
    /// </summary>
    internal static PolicyPathTable Build(IReadOnlyDictionary<string, List<string>> map, ulong hashMask)
    {
        var seed = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));
        var slots = new ulong[Math.Max(2, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, map.Count) * 2))];
        var allowed = new string[map.Count][];
        var arena = new ArenaWriter(map.Sum(kv => ArenaWriter.MaxRecordSize(kv.Key, kv.Value)));
        var index = 0;
        foreach (var (path, digests) in map)
        {
            allowed[index] = [.. digests];
            Insert(slots, PathHash.Of(MemoryMarshal.AsBytes(path.AsSpan()), seed) & hashMask, arena.Append(path, digests, index));
            index++;
        }

        return new PolicyPathTable(slots, arena.Bytes, allowed, seed, hashMask);
    }

    /// <summary>The hash a look-up of <paramref name="path"/> starts from (computed ahead by the replay, see <see cref="PrefetchSlot"/>).</summary>
    public ulong HashOf(ReadOnlySpan<char> path) => PathHash.Of(MemoryMarshal.AsBytes(path), _seed) & _hashMask;

    /// <summary>
    /// Starts loading the slot a look-up of <paramref name="hash"/> reads first. A hint only: it
    /// never faults, and an address that is stale by the time the line arrives costs nothing.
    /// </summary>
    public void PrefetchSlot(ulong hash)
    {
        if (Sse.IsSupported)
        {
            Prefetch(ref Unsafe.As<ulong, byte>(ref _slots[(int)hash & _mask]));
        }
    }

    /// <summary>
    /// Starts loading the record of the first slot whose tag matches <paramref name="hash"/> (best
    /// issued once <see cref="PrefetchSlot"/> has brought the slot in): its header, a path of
    /// <paramref name="pathLength"/> characters and the first digest.
    /// </summary>
    public void PrefetchRecord(ulong hash, int pathLength)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        var tag = (uint)(hash >> 32);
        for (var i = (int)hash & _mask; _slots[i] != 0; i = (i + 1) & _mask)
        {
            if ((uint)(_slots[i] >> 32) == tag)
            {
                var offset = (int)(uint)_slots[i] - 1;
                var end = Math.Min(_arena.Length, offset + HeaderBytes + (pathLength * 2) + 1 + MaxDigestBytes);
                for (var at = offset; at < end; at += 64)
                {
                    Prefetch(ref _arena[at]);
                }

                Prefetch(ref _arena[end - 1]);

                return;
            }
        }
    }

    private static unsafe void Prefetch(ref byte address) => Sse.Prefetch0(Unsafe.AsPointer(ref address));

    /// <summary>Is <paramref name="digest"/> (raw bytes) allowed for <paramref name="path"/>?</summary>
    public PathMatch Match(ReadOnlySpan<char> path, ReadOnlySpan<byte> digest) => Match(path, HashOf(path), digest);

    public PathMatch Match(ReadOnlySpan<char> path, ulong hash, ReadOnlySpan<byte> digest)
    {
        var offset = Find(path, hash);
        if (offset < 0)
        {
            return PathMatch.Missing;
        }

        var record = _arena.AsSpan(offset);
        var count = BinaryPrimitives.ReadInt32LittleEndian(record[4..]);
        var digests = record[(HeaderBytes + (path.Length * 2))..];
        for (var i = 0; i < count; i++)
        {
            var length = digests[0];
            if (length == digest.Length && digests.Slice(1, length).SequenceEqual(digest))
            {
                return PathMatch.Listed;
            }

            digests = digests[(1 + length)..];
        }

        return PathMatch.WrongDigest;
    }

    /// <summary>The policy's own strings for <paramref name="path"/> (failure messages, the public API).</summary>
    public bool TryGetAllowed(ReadOnlySpan<char> path, out string[] allowed)
    {
        var offset = Find(path, HashOf(path));
        allowed = offset < 0 ? [] : _allowed[BinaryPrimitives.ReadInt32LittleEndian(_arena.AsSpan(offset + 8))];
        return offset >= 0;
    }

    /// <summary>The record's arena offset, or -1.</summary>
    private int Find(ReadOnlySpan<char> path, ulong hash)
    {
        var tag = (uint)(hash >> 32);
        for (var i = (int)hash & _mask; ; i = (i + 1) & _mask)
        {
            var slot = _slots[i];
            if (slot == 0)
            {
                return -1;
            }

            if ((uint)(slot >> 32) == tag)
            {
                var offset = (int)(uint)slot - 1;
                var record = _arena.AsSpan(offset);
                if (BinaryPrimitives.ReadInt32LittleEndian(record) == path.Length
                    && MemoryMarshal.Cast<byte, char>(record.Slice(HeaderBytes, path.Length * 2)).SequenceEqual(path))
                {
                    return offset;
                }
            }
        }
    }

    /// <summary>Map keys are distinct (an ordinal dictionary), so no slot needs a duplicate check.</summary>
    private static void Insert(ulong[] slots, ulong hash, int offset)
    {
        var mask = slots.Length - 1;
        var i = (int)hash & mask;
        while (slots[i] != 0)
        {
            i = (i + 1) & mask;
        }

        slots[i] = ((hash >> 32) << 32) | (uint)(offset + 1);
    }

    /// <summary>
    /// Appends records into an array sized up front from <see cref="MaxRecordSize"/> — exact unless
    /// some policy values are not hex — so the arena is allocated once and never copied.
    /// Each record starts 4-byte aligned so its header and path read aligned.
    /// </summary>
    private sealed class ArenaWriter(long capacity)
    {
        private int _length;

        public byte[] Bytes { get; } = GC.AllocateUninitializedArray<byte>((int)Math.Max(1, capacity));

        public static long MaxRecordSize(string path, List<string> digests)
        {
            long size = 3 + HeaderBytes + (path.Length * 2L);
            foreach (var hex in digests)
            {
                size += 1 + Math.Min(hex.Length / 2, MaxDigestBytes);
            }

            return size;
        }

        public int Append(string path, List<string> digests, int index)
        {
            var offset = (_length + 3) & ~3;
            var span = Bytes.AsSpan(offset);
            BinaryPrimitives.WriteInt32LittleEndian(span, path.Length);
            BinaryPrimitives.WriteInt32LittleEndian(span[8..], index);
            MemoryMarshal.AsBytes(path.AsSpan()).CopyTo(span[HeaderBytes..]);
            var written = HeaderBytes + (path.Length * 2);
            var count = 0;
            foreach (var hex in digests)
            {
                if (hex.Length % 2 == 0 && hex.Length / 2 <= MaxDigestBytes
                    && Convert.FromHexString(hex, span[(written + 1)..], out _, out var bytes) == System.Buffers.OperationStatus.Done)
                {
                    span[written] = (byte)bytes;
                    written += 1 + bytes;
                    count++;
                }
            }

            BinaryPrimitives.WriteInt32LittleEndian(span[4..], count);
            _length = offset + written;
            return offset;
        }
    }
}
