using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Keylime.Shared.Ima;

/// <summary>
/// A seeded 64-bit hash for <see cref="PolicyPathTable"/>: per 16 bytes, the two 64-bit halves
/// (each mixed with a constant or the running state) are multiplied to 128 bits and the halves
/// folded together — the structure of wyhash (public domain), a few cycles per 16 bytes. Not a
/// cryptographic hash; the random seed only keeps its collisions unpredictable to the log's author.
/// </summary>
internal static class PathHash
{
    private const ulong Secret0 = 0xa0761d6478bd642f;
    private const ulong Secret1 = 0xe7037ed1a0b428db;
    private const ulong Secret2 = 0x8ebc6af09c88c6e3;

    public static ulong Of(ReadOnlySpan<byte> data, ulong seed)
    {
        ref var start = ref MemoryMarshal.GetReference(data);
        var length = data.Length;
        var state = seed ^ Mix(seed ^ Secret0, Secret1);
        ulong a;
        ulong b;
        if (length <= 16)
        {
            if (length >= 8)
            {
                a = Read64(ref start, 0);
                b = Read64(ref start, length - 8);
            }
            else if (length >= 4)
            {
                a = Read32(ref start, 0);
                b = Read32(ref start, length - 4);
            }
            else
            {
                a = length == 0 ? 0 : ((ulong)Unsafe.Add(ref start, 0) << 16) | ((ulong)Unsafe.Add(ref start, length >> 1) << 8) | Unsafe.Add(ref start, length - 1);
                b = 0;
            }
        }
        else
        {
            var offset = 0;
            for (; length - offset > 16; offset += 16)
            {
                state = Mix(Read64(ref start, offset) ^ Secret1, Read64(ref start, offset + 8) ^ state);
            }

            // The last 16 bytes, overlapping the loop's last step when the length is not a multiple of 16.
            a = Read64(ref start, length - 16);
            b = Read64(ref start, length - 8);
        }

        return Mix(Secret1 ^ (ulong)length, Mix(a ^ Secret1, b ^ state) ^ Secret2);
    }

    /// <summary>
    /// The 128-bit product's halves XORed. With BMI2 the high half comes from <c>mulx</c> and the low
    /// from a plain multiply, both in registers; <see cref="Math.BigMul(ulong, ulong, out ulong)"/>
    /// makes the JIT store and reload the low half, which doubled the cost of the hash.
    /// </summary>
    internal static ulong Mix(ulong x, ulong y) => Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(x, y) ^ (x * y) : MixPortable(x, y);

    internal static ulong MixPortable(ulong x, ulong y)
    {
        var high = Math.BigMul(x, y, out var low);
        return high ^ low;
    }

    private static ulong Read64(ref byte start, int offset) => Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, offset));

    private static ulong Read32(ref byte start, int offset) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, offset));
}
