using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Keylime.Shared.Tpm;

/// <summary>The TPM key derivation functions (TPM 2.0 Part 1 §11.4.10; spec/tpm.md §5.4).</summary>
public static class TpmKdf
{
    /// <summary>
    /// KDFa: SP 800-108 counter-mode HMAC. K_i = HMAC(key, BE32(i) ‖ label ‖ 0x00 ‖ contextU ‖ contextV ‖ BE32(bits)).
    /// </summary>
    public static byte[] KdfA(TpmAlg hash, ReadOnlySpan<byte> key, string label, ReadOnlySpan<byte> contextU, ReadOnlySpan<byte> contextV, int bits)
    {
        var labelBytes = Encoding.ASCII.GetBytes(label);
        var input = new byte[4 + labelBytes.Length + 1 + contextU.Length + contextV.Length + 4];
        labelBytes.CopyTo(input, 4);
        contextU.CopyTo(input.AsSpan(4 + labelBytes.Length + 1));
        contextV.CopyTo(input.AsSpan(4 + labelBytes.Length + 1 + contextU.Length));
        BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(input.Length - 4), (uint)bits);
        var keyCopy = key.ToArray();
        try
        {
            return Expand(bits, counter =>
            {
                BinaryPrimitives.WriteUInt32BigEndian(input, counter);
                return TpmHash.Hmac(hash, keyCopy, input);
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
        }
    }

    /// <summary>KDFe: SP 800-56A concatenation KDF. K_i = H(BE32(i) ‖ Z ‖ label ‖ 0x00 ‖ partyU ‖ partyV).</summary>
    public static byte[] KdfE(TpmAlg hash, ReadOnlySpan<byte> z, string label, ReadOnlySpan<byte> partyU, ReadOnlySpan<byte> partyV, int bits)
    {
        var labelBytes = Encoding.ASCII.GetBytes(label);
        var input = new byte[4 + z.Length + labelBytes.Length + 1 + partyU.Length + partyV.Length];
        z.CopyTo(input.AsSpan(4));
        labelBytes.CopyTo(input, 4 + z.Length);
        partyU.CopyTo(input.AsSpan(4 + z.Length + labelBytes.Length + 1));
        partyV.CopyTo(input.AsSpan(4 + z.Length + labelBytes.Length + 1 + partyU.Length));
        return Expand(bits, counter =>
        {
            BinaryPrimitives.WriteUInt32BigEndian(input, counter);
            return TpmHash.Hash(hash, input);
        });
    }

    private static byte[] Expand(int bits, Func<uint, byte[]> block)
    {
        var output = new byte[(bits + 7) / 8];
        var written = 0;
        for (uint counter = 1; written < output.Length; counter++)
        {
            var k = block(counter);
            var take = Math.Min(k.Length, output.Length - written);
            k.AsSpan(0, take).CopyTo(output.AsSpan(written));
            written += take;
            CryptographicOperations.ZeroMemory(k);
        }

        return output;
    }
}
