using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Keylime.Shared.Ima;

/// <summary>
/// SHA-1/SHA-2 through libcrypto's low-level <c>SHAxxx_Init/Update</c> (and <c>_Final</c> for
/// inputs over <see cref="PaddedInputLimit"/>) with the context on the stack: no EVP fetch, no heap
/// context, no error-queue work per call (see <see cref="ImaDigester"/> for the measured why);
/// small inputs are padded here and cost two native calls (<see cref="HashPadded"/>). These functions are deprecated in OpenSSL 3
/// in favour of EVP but still exported by <c>libcrypto.so.3</c> and <c>.so.1.1</c>; they bypass
/// providers, which is acceptable here because the algorithms are fixed by the IMA/TPM formats,
/// not chosen by policy. Only used on Linux (where .NET itself uses OpenSSL), after a known-answer
/// self-test against the managed API; anything missing or different means the managed path.
/// </summary>
internal sealed unsafe class LibCryptoDigest : ImaDigester
{
    /// <summary>Larger inputs take the normal GC transition so a long native call never delays a GC.</summary>
    private const int SuppressTransitionLimit = 16 * 1024;

    /// <summary>At least sizeof(SHA512_CTX) (216 bytes), the largest of the four contexts.</summary>
    private const int ContextWords = 32;

    /// <summary>Inputs up to this size are padded on the stack and hashed in one native call (<see cref="HashPadded"/>).</summary>
    private const int PaddedInputLimit = 512;

    /// <summary>The most padding a message gets: a 128-byte block plus SHA-512's 16-byte length field.</summary>
    private const int MaxPadding = PaddingRoom;

    private static readonly LibCryptoDigest?[] Available = Probe();

    private readonly int _blockSize;

    private readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong*, int> _init;
    private readonly nint _update;
    private readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, ulong*, int> _final;

    private LibCryptoDigest(ImaHashAlgorithm algorithm, nint init, nint update, nint final)
        : base(algorithm)
    {
        _blockSize = algorithm is ImaHashAlgorithm.Sha1 or ImaHashAlgorithm.Sha256 ? 64 : 128;
        _init = (delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong*, int>)init;
        _update = update;
        _final = (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, ulong*, int>)final;
    }

    /// <summary>The shared (stateless, thread-safe) instance, or null when libcrypto cannot be used.</summary>
    public static LibCryptoDigest? TryCreate(ImaHashAlgorithm algorithm) => Available[(int)algorithm];

    [SkipLocalsInit]
    public override void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Size, nameof(destination));
        var ctx = stackalloc ulong[ContextWords];
        if (data.Length > PaddedInputLimit)
        {
            fixed (byte* input = data)
            fixed (byte* output = destination)
            {
                Check(_init(ctx) & Update(ctx, input, data.Length) & _final(output, ctx));
            }

            return;
        }

        var blocks = stackalloc byte[PaddedInputLimit + MaxPadding];
        data.CopyTo(new Span<byte>(blocks, data.Length));
        HashPadded(ctx, blocks, data.Length, destination);
    }

    [SkipLocalsInit]
    public override void Extend(Span<byte> pcr, ReadOnlySpan<byte> digest)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(pcr.Length, Size, nameof(pcr));
        var ctx = stackalloc ulong[ContextWords];
        if (pcr.Length + digest.Length > PaddedInputLimit)
        {
            fixed (byte* running = pcr)
            fixed (byte* input = digest)
            {
                // Final overwrites pcr only after both updates consumed it.
                Check(_init(ctx) & Update(ctx, running, pcr.Length) & Update(ctx, input, digest.Length) & _final(running, ctx));
            }

            return;
        }

        var blocks = stackalloc byte[PaddedInputLimit + MaxPadding];
        pcr.CopyTo(new Span<byte>(blocks, pcr.Length));
        digest.CopyTo(new Span<byte>(blocks + pcr.Length, digest.Length));
        HashPadded(ctx, blocks, pcr.Length + digest.Length, pcr);
    }

    [SkipLocalsInit]
    public override void HashInPlace(Span<byte> buffer, int length, Span<byte> destination)
    {
        if (length > PaddedInputLimit || buffer.Length - length < PaddingRoom)
        {
            Hash(buffer[..length], destination);
            return;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Size, nameof(destination));
        var ctx = stackalloc ulong[ContextWords];
        fixed (byte* blocks = buffer)
        {
            HashPadded(ctx, blocks, length, destination);
        }
    }

    /// <summary>
    /// Pads the message in <paramref name="blocks"/> (FIPS 180-4 §5.1: 0x80, zeros, the bit length
    /// big-endian) and feeds all its blocks to one <c>Update</c> call, which compresses whole blocks
    /// straight from the input; the digest is then the big-endian chaining value <c>h</c>, the first
    /// member of the public <c>SHA_CTX</c>/<c>SHA256_CTX</c>/<c>SHA512_CTX</c> structs. This skips
    /// <c>Final</c> (its padding copy and the context cleanse, which protect secrets an IMA log does
    /// not hold): one native call per hash instead of two, which is measurable at ~100-byte inputs.
    /// </summary>
    private void HashPadded(ulong* ctx, byte* blocks, int length, Span<byte> destination)
    {
        // The callers guarantee MaxPadding bytes of room after the message and a digest-sized
        // destination. Zeroing the whole room at a constant size is a few vector stores; the
        // exact-size clear was a call. Block sizes are powers of two: no division.
        Unsafe.InitBlockUnaligned(blocks + length, 0, MaxPadding);
        blocks[length] = 0x80;
        var padded = (length + 1 + (_blockSize / 8) + _blockSize - 1) & -_blockSize;
        BinaryPrimitives.WriteUInt64BigEndian(new Span<byte>(blocks + padded - 8, 8), (ulong)length * 8);
        Check(_init(ctx) & ((delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong*, byte*, nuint, int>)_update)(ctx, blocks, (nuint)padded));
        // The digest is h[] in big-endian; the word count is read once (the loop's stores could alias this object).
        ref var output = ref MemoryMarshal.GetReference(destination);
        var size = Size;
        if (_blockSize == 64)
        {
            var words = (uint*)ctx;
            for (var i = 0; i < size; i += 4)
            {
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, i), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(words[i >> 2]) : words[i >> 2]);
            }
        }
        else
        {
            for (var i = 0; i < size; i += 8)
            {
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, i), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(ctx[i >> 3]) : ctx[i >> 3]);
            }
        }
    }

    private int Update(ulong* ctx, byte* data, int length) =>
        length <= SuppressTransitionLimit
            ? ((delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong*, byte*, nuint, int>)_update)(ctx, data, (nuint)length)
            : ((delegate* unmanaged[Cdecl]<ulong*, byte*, nuint, int>)_update)(ctx, data, (nuint)length);

    private static void Check(int allSucceeded)
    {
        if (allSucceeded != 1)
        {
            throw new CryptographicException("libcrypto digest call failed");
        }
    }

    private static LibCryptoDigest?[] Probe()
    {
        var found = new LibCryptoDigest?[4];
        if (!OperatingSystem.IsLinux() || !TryLoad(out var library))
        {
            return found;
        }

        foreach (var (algorithm, prefix) in new[]
                 {
                     (ImaHashAlgorithm.Sha1, "SHA1"), (ImaHashAlgorithm.Sha256, "SHA256"),
                     (ImaHashAlgorithm.Sha384, "SHA384"), (ImaHashAlgorithm.Sha512, "SHA512"),
                 })
        {
            if (NativeLibrary.TryGetExport(library, prefix + "_Init", out var init)
                && NativeLibrary.TryGetExport(library, prefix + "_Update", out var update)
                && NativeLibrary.TryGetExport(library, prefix + "_Final", out var final))
            {
                var candidate = new LibCryptoDigest(algorithm, init, update, final);
                found[(int)algorithm] = SelfTestPasses(candidate) ? candidate : null;
            }
        }

        return found;
    }

    /// <summary>The versioned names only: an unversioned libcrypto may be a different build (or, on some systems, a stub).</summary>
    private static bool TryLoad(out nint library) =>
        NativeLibrary.TryLoad("libcrypto.so.3", out library) || NativeLibrary.TryLoad("libcrypto.so.1.1", out library);

    /// <summary>Known answers across block and padding boundaries and both call paths, against the managed API.</summary>
    private static bool SelfTestPasses(LibCryptoDigest candidate)
    {
        try
        {
            using var reference = CreateManaged(candidate.Algorithm);
            var data = new byte[700];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (byte)((i * 31) + 7);
            }

            Span<byte> expected = stackalloc byte[candidate.Size];
            Span<byte> actual = stackalloc byte[candidate.Size];
            foreach (var length in (int[])[0, 1, 55, 56, 63, 64, 65, 100, 111, 112, 127, 128, 129, 239, 240, 300, 511, 512, 513, 700])
            {
                reference.Hash(data.AsSpan(0, length), expected);
                candidate.Hash(data.AsSpan(0, length), actual);
                if (!actual.SequenceEqual(expected))
                {
                    return false;
                }
            }

            reference.Extend(expected, data.AsSpan(0, 40));
            candidate.Extend(actual, data.AsSpan(0, 40));
            return actual.SequenceEqual(expected);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return false;
        }
    }
}
