using System.Numerics;
using System.Security.Cryptography;

namespace Keylime.Shared.Tpm;

/// <summary>
/// RSAES-OAEP encryption with a label (RFC 8017 §7.1.1). .NET's <see cref="RSAEncryptionPadding"/> cannot
/// carry the OAEP label the TPM requires ("IDENTITY\0" for credentials), so the encoding is done here and
/// the public-key operation with <see cref="BigInteger.ModPow"/>. Only public data is exponentiated.
/// </summary>
internal static class RsaOaep
{
    public static byte[] Encrypt(TpmPublic key, TpmAlg hash, ReadOnlySpan<byte> label, ReadOnlySpan<byte> message)
    {
        var k = key.Modulus.Length;
        var hLen = TpmHash.DigestSize(hash);
        if (message.Length > k - 2 * hLen - 2)
        {
            throw new ArgumentException("message too long for RSA-OAEP with this key", nameof(message));
        }

        var em = new byte[k];
        var seed = em.AsSpan(1, hLen);
        var db = em.AsSpan(1 + hLen);
        TpmHash.Hash(hash, label, db);
        db[db.Length - message.Length - 1] = 0x01;
        message.CopyTo(db[(db.Length - message.Length)..]);
        RandomNumberGenerator.Fill(seed);
        Xor(db, Mgf1(hash, seed, db.Length));
        Xor(seed, Mgf1(hash, db, hLen));

        var n = new BigInteger(key.Modulus, isUnsigned: true, isBigEndian: true);
        var e = key.Exponent == 0 ? new BigInteger(65537) : new BigInteger(key.Exponent);
        var m = new BigInteger(em, isUnsigned: true, isBigEndian: true);
        CryptographicOperations.ZeroMemory(em);
        var c = BigInteger.ModPow(m, e, n).ToByteArray(isUnsigned: true, isBigEndian: true);
        if (c.Length == k)
        {
            return c;
        }

        var padded = new byte[k];
        c.CopyTo(padded, k - c.Length);
        return padded;
    }

    private static byte[] Mgf1(TpmAlg hash, ReadOnlySpan<byte> seed, int length)
    {
        var output = new byte[length];
        var input = new byte[seed.Length + 4];
        seed.CopyTo(input);
        var written = 0;
        for (uint counter = 0; written < length; counter++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(seed.Length), counter);
            var block = TpmHash.Hash(hash, input);
            var take = Math.Min(block.Length, length - written);
            block.AsSpan(0, take).CopyTo(output.AsSpan(written));
            written += take;
        }

        return output;
    }

    private static void Xor(Span<byte> target, ReadOnlySpan<byte> mask)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] ^= mask[i];
        }
    }
}
