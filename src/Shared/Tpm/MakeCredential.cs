using System.Security.Cryptography;
using System.Text;

namespace Keylime.Shared.Tpm;

/// <summary>
/// Software TPM2_MakeCredential (TPM 2.0 Part 1 §24; spec/tpm.md §5.5, spec/registrar.md §6): wraps a
/// credential so that only the TPM holding <c>ek</c> can recover it, and only for the object whose
/// Name is <c>akName</c>. RSA EKs get an RSA-OAEP encrypted seed, ECC EKs an ephemeral ECDH point.
/// </summary>
public static class MakeCredential
{
    /// <summary>Largest credential a TPM2B_DIGEST can carry.</summary>
    public const int MaxCredentialSize = 64;

    private static readonly byte[] IdentityLabel = "IDENTITY\0"u8.ToArray();

    /// <summary>Makes a credential blob with fresh randomness from <see cref="RandomNumberGenerator"/>.</summary>
    public static CredentialBlob Create(TpmPublic ek, ReadOnlySpan<byte> akName, ReadOnlySpan<byte> credential)
    {
        if (ek.IsEcc)
        {
            using var ephemeral = ECDiffieHellman.Create(ek.ToEcParameters().Curve);
            return CreateEcc(ek, akName, credential, ephemeral);
        }

        var seed = RandomNumberGenerator.GetBytes(NameDigestSize(ek));
        try
        {
            return CreateRsa(ek, akName, credential, seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>RSA EK with a caller-chosen seed (known-answer tests); the OAEP ciphertext stays randomised.</summary>
    public static CredentialBlob CreateRsa(TpmPublic ek, ReadOnlySpan<byte> akName, ReadOnlySpan<byte> credential, ReadOnlySpan<byte> seed)
    {
        RequireStorageKey(ek, TpmAlg.Rsa);
        var hash = ek.NameAlg;
        var encSecret = RsaOaep.Encrypt(ek, hash, IdentityLabel, seed);
        return Wrap(ek, akName, credential, seed, encSecret);
    }

    /// <summary>ECC EK with a caller-chosen ephemeral key (known-answer tests; fully deterministic).</summary>
    public static CredentialBlob CreateEcc(TpmPublic ek, ReadOnlySpan<byte> akName, ReadOnlySpan<byte> credential, ECDiffieHellman ephemeral)
    {
        RequireStorageKey(ek, TpmAlg.Ecc);
        var size = TpmPublic.CurveSize(ek.Curve);
        using var ekKey = ek.ToECDiffieHellman();
        var z = ephemeral.DeriveRawSecretAgreement(ekKey.PublicKey);
        var point = ephemeral.ExportParameters(false).Q;
        var ephemeralX = LeftPad(point.X!, size);
        var ephemeralY = LeftPad(point.Y!, size);
        var ekX = LeftPad(ek.X, size);
        var seed = TpmKdf.KdfE(ek.NameAlg, LeftPad(z, size), "IDENTITY", ephemeralX, ekX, NameDigestSize(ek) * 8);
        CryptographicOperations.ZeroMemory(z);
        var encSecret = new TpmWriter(4 + 2 * size).WriteSized(ephemeralX).WriteSized(ephemeralY).ToArray();
        try
        {
            return Wrap(ek, akName, credential, seed, encSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The credential wrapping shared by both key types: STORAGE key, AES-CFB, INTEGRITY HMAC.</summary>
    public static CredentialBlob Wrap(TpmPublic ek, ReadOnlySpan<byte> akName, ReadOnlySpan<byte> credential, ReadOnlySpan<byte> seed, byte[] encryptedSecret)
    {
        if (credential.Length > MaxCredentialSize)
        {
            throw new ArgumentException($"a credential holds at most {MaxCredentialSize} bytes", nameof(credential));
        }

        var hash = ek.NameAlg;
        var symKey = TpmKdf.KdfA(hash, seed, "STORAGE", akName, [], ek.Symmetric.KeyBits);
        var plain = new TpmWriter(2 + credential.Length).WriteSized(credential).ToArray();
        var encIdentity = AesCfb.Encrypt(symKey, plain);
        var hmacKey = TpmKdf.KdfA(hash, seed, "INTEGRITY", [], [], NameDigestSize(ek) * 8);
        var macInput = new byte[encIdentity.Length + akName.Length];
        encIdentity.CopyTo(macInput, 0);
        akName.CopyTo(macInput.AsSpan(encIdentity.Length));
        var integrity = TpmHash.Hmac(hash, hmacKey, macInput);
        CryptographicOperations.ZeroMemory(symKey);
        CryptographicOperations.ZeroMemory(hmacKey);
        CryptographicOperations.ZeroMemory(plain);

        var idObject = new TpmWriter(2 + integrity.Length + encIdentity.Length).WriteSized(integrity).WriteBytes(encIdentity).ToArray();
        return new CredentialBlob(idObject, encryptedSecret);
    }

    /// <summary>
    /// Keylime's credential: 32 characters of <c>A–Z0–9a–z</c>, each alphabet[randomByte mod 62]
    /// (spec/registrar.md §6; the modulo bias is Keylime's and kept for equivalence).
    /// </summary>
    public static byte[] NewKeylimeCredential()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz";
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        var result = new byte[32];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (byte)alphabet[random[i] % alphabet.Length];
        }

        CryptographicOperations.ZeroMemory(random);
        return result;
    }

    private static void RequireStorageKey(TpmPublic ek, TpmAlg type)
    {
        if (ek.Type != type)
        {
            throw new TpmFormatException($"EK is {ek.Type}, expected {type}");
        }

        if (ek.Symmetric.Algorithm != TpmAlg.Aes || ek.Symmetric.Mode != TpmAlg.Cfb || ek.Symmetric.KeyBits is not (128 or 192 or 256))
        {
            throw new TpmFormatException($"EK symmetric algorithm must be AES-CFB, not {ek.Symmetric}");
        }

        if (!TpmHash.IsSupported(ek.NameAlg))
        {
            throw new TpmFormatException($"EK nameAlg {ek.NameAlg} is not supported");
        }
    }

    private static int NameDigestSize(TpmPublic ek) => TpmHash.DigestSize(ek.NameAlg);

    private static byte[] LeftPad(byte[] value, int size)
    {
        if (value.Length >= size)
        {
            return value;
        }

        var padded = new byte[size];
        value.CopyTo(padded, size - value.Length);
        return padded;
    }
}
