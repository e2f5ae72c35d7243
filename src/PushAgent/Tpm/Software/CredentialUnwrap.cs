using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// ActivateCredential done in software with an RSA EK private key: the inverse of MakeCredential
/// (TPM 2.0 Part 1 §24; spec/tpm.md §5.5). seed = RSA-OAEP⁻¹(encSecret, label "IDENTITY\0");
/// check HMAC_nameAlg(KDFa(seed, "INTEGRITY"), encIdentity ‖ AK Name); then AES-CFB decrypt with
/// KDFa(seed, "STORAGE", AK Name) and zero IV.
/// </summary>
internal static class CredentialUnwrap
{
    private static readonly byte[] IdentityLabel = Encoding.ASCII.GetBytes("IDENTITY\0");

    public static byte[] Activate(RSA ek, TpmPublic ekPublic, ReadOnlySpan<byte> akName, CredentialBlob blob)
    {
        var nameAlg = ekPublic.NameAlg;
        var seed = OaepDecrypt(ek, nameAlg, IdentityLabel, blob.EncryptedSecret)
            ?? throw new TpmCommandException(Tpm2Cc.ActivateCredential, 0x2C4); // TPM_RC_VALUE, parameter 2
        try
        {
            var r = new TpmReader(blob.IdObject);
            var integrity = r.ReadSized("integrityHMAC");
            var encIdentity = r.ReadBytes(r.Remaining, "encIdentity");
            var hmacKey = TpmKdf.KdfA(nameAlg, seed, "INTEGRITY", [], [], 8 * TpmHash.DigestSize(nameAlg));
            var expected = TpmHash.Hmac(nameAlg, hmacKey, [.. encIdentity, .. akName]);
            if (!CryptographicOperations.FixedTimeEquals(expected, integrity))
            {
                throw new TpmCommandException(Tpm2Cc.ActivateCredential, 0x1DF); // TPM_RC_INTEGRITY, parameter 1, as a TPM answers
            }

            var symKey = TpmKdf.KdfA(nameAlg, seed, "STORAGE", akName, [], ekPublic.Symmetric.KeyBits);
            var plain = AesCfbDecrypt(symKey, encIdentity);
            var p = new TpmReader(plain);
            var credential = p.ReadSized("credential").ToArray();
            p.ExpectEnd("encIdentity");
            return credential;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>AES-CFB128 decryption with a zero IV and no padding (the last block may be partial).</summary>
    internal static byte[] AesCfbDecrypt(byte[] key, ReadOnlySpan<byte> cipher)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        var plain = new byte[cipher.Length];
        Span<byte> feedback = stackalloc byte[16];
        Span<byte> stream = stackalloc byte[16];
        feedback.Clear();
        for (var offset = 0; offset < cipher.Length; offset += 16)
        {
            aes.EncryptEcb(feedback, stream, PaddingMode.None);
            var n = Math.Min(16, cipher.Length - offset);
            for (var i = 0; i < n; i++)
            {
                plain[offset + i] = (byte)(cipher[offset + i] ^ stream[i]);
            }

            if (n == 16)
            {
                cipher.Slice(offset, 16).CopyTo(feedback);
            }
        }

        return plain;
    }

    /// <summary>
    /// RSAES-OAEP decryption with a label (RFC 8017 §7.1.2), which .NET's padding modes cannot express.
    /// Returns null on any decoding failure, without saying which check failed.
    /// </summary>
    internal static byte[]? OaepDecrypt(RSA key, TpmAlg hash, ReadOnlySpan<byte> label, ReadOnlySpan<byte> cipher)
    {
        var p = key.ExportParameters(includePrivateParameters: true);
        var k = p.Modulus!.Length;
        var hLen = TpmHash.DigestSize(hash);
        if (cipher.Length != k || k < 2 * hLen + 2)
        {
            return null;
        }

        var em = RsaPrivate(p, cipher, k);
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

    private static byte[] RsaPrivate(RSAParameters p, ReadOnlySpan<byte> cipher, int k)
    {
        static BigInteger N(byte[] b) => new(b, isUnsigned: true, isBigEndian: true);
        var c = new BigInteger(cipher, isUnsigned: true, isBigEndian: true);
        // CRT: m = m2 + q·((m1 − m2)·qInv mod p)
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
