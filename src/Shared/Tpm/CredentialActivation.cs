using System.Security.Cryptography;
using System.Text;

namespace Keylime.Shared.Tpm;

/// <summary>Why a software activation refused a credential, in the TPM's terms.</summary>
public enum CredentialActivationFailure
{
    None,

    /// <summary>The encrypted seed does not decrypt under this EK (a TPM answers TPM_RC_VALUE).</summary>
    Secret,

    /// <summary>The integrity HMAC does not match: the credential is bound to another AK (TPM_RC_INTEGRITY).</summary>
    Integrity,

    /// <summary>The credential structure inside is malformed (TPM_RC_SIZE).</summary>
    Structure,
}

/// <summary>
/// TPM2_ActivateCredential done in software with the EK's private key: the inverse of
/// <see cref="MakeCredential"/> (TPM 2.0 Part 1 §24; spec/tpm.md §5.5). The seed comes from
/// RSA-OAEP (label "IDENTITY\0") or ECDH + KDFe; the integrity HMAC over encIdentity ‖ AK Name is
/// checked in constant time before AES-CFB decryption. Used by the agent's software TPM
/// (<c>--avoid-tpm</c>) and by tests that play an agent without a TPM.
/// </summary>
public static class CredentialActivation
{
    private static readonly byte[] IdentityLabel = Encoding.ASCII.GetBytes("IDENTITY\0");

    public static CredentialActivationFailure TryActivate(
        AsymmetricAlgorithm ekPrivateKey, TpmPublic ek, ReadOnlySpan<byte> akName, CredentialBlob blob, out byte[] credential)
    {
        credential = [];
        var seed = RecoverSeed(ekPrivateKey, ek, blob.EncryptedSecret);
        if (seed is null)
        {
            return CredentialActivationFailure.Secret;
        }

        try
        {
            return TryUnwrap(ek, akName, blob, seed, out credential);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>
    /// The second half of ActivateCredential, for a caller that recovered the seed itself (another
    /// RSA-OAEP implementation, a key held elsewhere): integrity HMAC, then AES-CFB decryption.
    /// </summary>
    public static CredentialActivationFailure TryUnwrap(TpmPublic ek, ReadOnlySpan<byte> akName, CredentialBlob blob, byte[] seed, out byte[] credential)
    {
        credential = [];
        var nameAlg = ek.NameAlg;
        try
        {
            var idObject = new TpmReader(blob.IdObject);
            var integrity = idObject.ReadSized("integrityHMAC");
            var encIdentity = idObject.ReadBytes(idObject.Remaining, "encIdentity");
            var hmacKey = TpmKdf.KdfA(nameAlg, seed, "INTEGRITY", [], [], 8 * TpmHash.DigestSize(nameAlg));
            var expected = TpmHash.Hmac(nameAlg, hmacKey, [.. encIdentity, .. akName]);
            if (!CryptographicOperations.FixedTimeEquals(expected, integrity))
            {
                return CredentialActivationFailure.Integrity;
            }

            var symKey = TpmKdf.KdfA(nameAlg, seed, "STORAGE", akName, [], ek.Symmetric.KeyBits);
            var plain = new TpmReader(AesCfb.Decrypt(symKey, encIdentity));
            credential = plain.ReadSized("credential").ToArray();
            plain.ExpectEnd("encIdentity");
            return CredentialActivationFailure.None;
        }
        catch (TpmFormatException)
        {
            return CredentialActivationFailure.Structure;
        }
    }

    private static byte[]? RecoverSeed(AsymmetricAlgorithm ekPrivateKey, TpmPublic ek, ReadOnlySpan<byte> encryptedSecret)
    {
        switch (ekPrivateKey)
        {
            case RSA rsa:
                return RsaOaep.Decrypt(rsa, ek.NameAlg, IdentityLabel, encryptedSecret);
            case ECDiffieHellman ecdh:
                try
                {
                    var point = new TpmReader(encryptedSecret);
                    var x = point.ReadSized("x").ToArray();
                    var y = point.ReadSized("y").ToArray();
                    var curve = ecdh.ExportParameters(false).Curve;
                    using var ephemeral = ECDiffieHellman.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } });
                    var z = ecdh.DeriveRawSecretAgreement(ephemeral.PublicKey);
                    return TpmKdf.KdfE(ek.NameAlg, z, "IDENTITY", x, ek.X, 8 * TpmHash.DigestSize(ek.NameAlg));
                }
                catch (Exception e) when (e is TpmFormatException or CryptographicException)
                {
                    return null;
                }

            default:
                throw new ArgumentException("the EK private key must be RSA or ECDiffieHellman", nameof(ekPrivateKey));
        }
    }
}
