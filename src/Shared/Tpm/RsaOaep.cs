using System.Numerics;
using System.Security.Cryptography;

namespace Keylime.Shared.Tpm;

/// <summary>
/// RSAES-OAEP encryption and decryption with a label (RFC 8017 §7.1). .NET's <see cref="RSAEncryptionPadding"/> cannot
/// carry the OAEP label the TPM requires ("IDENTITY\0" for credentials), so the encoding is done here and
/// the public-key operation with <see cref="BigInteger.ModPow"/>. Only public data is exponentiated.
/// </summary>
public static class RsaOaep
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

    /// <summary>
    /// RSAES-OAEP decryption with a label (RFC 8017 §7.1.2) under a private key. Returns null on any
    /// decoding failure, without saying which check failed.
    /// </summary>
    public static byte[]? Decrypt(RSA key, TpmAlg hash, ReadOnlySpan<byte> label, ReadOnlySpan<byte> cipher)
    {
        var p = key.ExportParameters(includePrivateParameters: true);
        var k = p.Modulus!.Length;
        var hLen = TpmHash.DigestSize(hash);
        if (cipher.Length != k || k < 2 * hLen + 2)
        {
            return null;
        }

        var em = PrivateOperation(p, cipher, k);
        var seed = em.AsSpan(1, hLen).ToArray();
        var db = em.AsSpan(1 + hLen).ToArray();
        Xor(seed, Mgf1(hash, db, hLen));
        Xor(db, Mgf1(hash, seed, db.Length));
        var labelHash = TpmHash.Hash(hash, label);
        var ok = em[0] == 0 & CryptographicOperations.FixedTimeEquals(db.AsSpan(0, hLen), labelHash);
        var separator = Array.IndexOf(db, (byte)1, hLen);
        ok &= separator >= hLen && db.AsSpan(hLen, separator - hLen).IndexOfAnyExcept((byte)0) < 0;
        return ok ? db[(separator + 1)..] : null;
    }

    /// <summary>c^d mod n by the CRT: m = m2 + q·((m1 − m2)·qInv mod p).</summary>
    private static byte[] PrivateOperation(RSAParameters p, ReadOnlySpan<byte> cipher, int k)
    {
        static BigInteger N(byte[] b) => new(b, isUnsigned: true, isBigEndian: true);
        var c = new BigInteger(cipher, isUnsigned: true, isBigEndian: true);
        var m1 = BigInteger.ModPow(c, N(p.DP!), N(p.P!));
        var m2 = BigInteger.ModPow(c, N(p.DQ!), N(p.Q!));
        var h = (m1 - m2) * N(p.InverseQ!) % N(p.P!);
        if (h.Sign < 0)
        {
            h += N(p.P!);
        }

        var m = (m2 + h * N(p.Q!)).ToByteArray(isUnsigned: true, isBigEndian: true);
        var em = new byte[k];
        m.CopyTo(em, k - m.Length);
        return em;
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
