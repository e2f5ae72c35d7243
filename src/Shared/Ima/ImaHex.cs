using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Keylime.Shared.Ima;

/// <summary>
/// Hex decoding of log fields the parser has already validated (<see cref="ImaLineParser"/>):
/// the template-hash column, file digests, signatures and buffers. Every entry decodes ~100 hex
/// characters, and <see cref="Convert.FromHexString(ReadOnlySpan{char}, Span{byte}, out int, out int)"/>
/// validates them a second time and finishes short inputs (a 40-character SHA-1 column) in a
/// scalar loop; this decoder skips the validation and covers the tail with an overlapping vector.
/// Input that is not hex decodes to unspecified bytes, never outside <c>destination</c>.
/// </summary>
internal static class ImaHex
{
    /// <summary>32 characters become 16 bytes per vector step.</summary>
    private const int CharsPerStep = 32;

    /// <summary>Decodes <paramref name="hex"/> (even length, hex digits only) and returns the byte count.</summary>
    public static int Decode(ReadOnlySpan<char> hex, Span<byte> destination)
    {
        var count = hex.Length / 2;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, count, nameof(destination));
        if (!Vector128.IsHardwareAccelerated || hex.Length < CharsPerStep)
        {
            DecodeScalar(hex, destination, count);
            return count;
        }

        ref var source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(hex));
        ref var target = ref MemoryMarshal.GetReference(destination);
        var last = hex.Length - CharsPerStep;
        for (var offset = 0; ; offset += CharsPerStep)
        {
            // The last step may overlap the previous one; it rewrites the same bytes.
            offset = Math.Min(offset, last);
            DecodeStep(ref Unsafe.Add(ref source, offset)).StoreUnsafe(ref target, (nuint)(offset / 2));
            if (offset == last)
            {
                return count;
            }
        }
    }

    /// <summary>Decodes the 32 characters at <paramref name="chars"/> into 16 bytes.</summary>
    private static Vector128<byte> DecodeStep(ref ushort chars)
    {
        var first = Nibbles(Vector128.Narrow(Vector128.LoadUnsafe(ref chars), Vector128.LoadUnsafe(ref chars, 8)));
        var second = Nibbles(Vector128.Narrow(Vector128.LoadUnsafe(ref chars, 16), Vector128.LoadUnsafe(ref chars, 24)));
        return Vector128.Narrow(Pairs(first), Pairs(second));
    }

    /// <summary>'0'–'9' → 0–9, 'a'–'f'/'A'–'F' → 10–15: the low four bits, plus 9 for letters (bit 6 set).</summary>
    private static Vector128<byte> Nibbles(Vector128<byte> chars)
    {
        var letter = Vector128.Equals(chars & Vector128.Create((byte)0x40), Vector128.Create((byte)0x40));
        return (chars & Vector128.Create((byte)0x0F)) + (letter & Vector128.Create((byte)9));
    }

    /// <summary>Each 16-bit lane holds (high nibble, low nibble) as (low byte, high byte): the byte they spell.</summary>
    private static Vector128<ushort> Pairs(Vector128<byte> nibbles)
    {
        var lanes = nibbles.AsUInt16();
        return ((lanes << 4) | (lanes >>> 8)) & Vector128.Create((ushort)0xFF);
    }

    private static void DecodeScalar(ReadOnlySpan<char> hex, Span<byte> destination, int count)
    {
        for (var i = 0; i < count; i++)
        {
            destination[i] = (byte)((Nibble(hex[2 * i]) << 4) | Nibble(hex[(2 * i) + 1]));
        }
    }

    private static int Nibble(char c) => (c & 0xF) + (9 * ((c >> 6) & 1));
}
