using System.Security.Cryptography;
using System.Text;
using Keylime.Shared.Tpm;

namespace Keylime.RegistrarLoad;

/// <summary>
/// One simulated TPM: an EK in the TCG low-range template (RSA-2048 or P-256) whose private key is
/// kept for ActivateCredential, and an AK in the tpm2_createak template (only its public area is ever
/// sent: registration does not sign anything). Made before the measurement, as a real agent has its
/// keys already; every operation still runs the full ActivateCredential on the blob it gets.
/// </summary>
public sealed class SoftwareIdentity : IDisposable
{
    private static readonly byte[] IdentityLabel = "IDENTITY\0"u8.ToArray();

    private readonly AsymmetricAlgorithm _ekPrivate;

    public SoftwareIdentity(KeyKind ek, KeyKind ak)
    {
        (_ekPrivate, Ek) = ek == KeyKind.Rsa ? RsaEk() : EccEk();
        Ak = ak == KeyKind.Rsa ? RsaAk() : EccAk();
        AkName = Ak.Name;
        RegistrationBody = Encoding.UTF8.GetBytes(
            $"{{\"aik_tpm\":\"{Convert.ToBase64String(Ak.ToTpm2BBytes())}\",\"ek_tpm\":\"{Convert.ToBase64String(Ek.ToTpm2BBytes())}\",\"ip\":\"127.0.0.1\",\"port\":9002}}");
    }

    public TpmPublic Ek { get; }

    public TpmPublic Ak { get; }

    public byte[] AkName { get; }

    /// <summary>The v2 registration body the Rust agent sends (without an EK certificate: no tpm_cert_store here).</summary>
    public byte[] RegistrationBody { get; }

    /// <summary>ActivateCredential on the registrar's blob, then the auth_tag the agent sends.</summary>
    public string AuthTag(string blobBase64, string agentId)
    {
        var blob = CredentialBlob.Parse(Convert.FromBase64String(blobBase64));
        CredentialActivationFailure failure;
        byte[] credential = [];
        if (_ekPrivate is RSAOpenSsl rsa)
        {
            var seed = OpenSslOaep.Decrypt(rsa, IdentityLabel, blob.EncryptedSecret);
            failure = seed is null ? CredentialActivationFailure.Secret : CredentialActivation.TryUnwrap(Ek, AkName, blob, seed, out credential);
        }
        else
        {
            failure = CredentialActivation.TryActivate(_ekPrivate, Ek, AkName, blob, out credential);
        }

        if (failure != CredentialActivationFailure.None)
        {
            throw new CryptographicException($"ActivateCredential refused the registrar's blob: {failure}");
        }

        return ActivationProof.AuthTag(ActivationProof.KeyFor(credential), agentId);
    }

    public void Dispose() => _ekPrivate.Dispose();

    private static (AsymmetricAlgorithm, TpmPublic) RsaEk()
    {
        var rsa = new RSAOpenSsl(2048);
        return (rsa, new TpmPublic
        {
            Type = TpmAlg.Rsa, NameAlg = TpmAlg.Sha256, Attributes = TpmTemplates.EkLowRangeAttributes, AuthPolicy = TpmTemplates.PolicyASha256,
            Symmetric = TpmSymmetric.Aes128Cfb, Scheme = TpmAlg.Null, KeyBits = 2048, Exponent = 0,
            Modulus = rsa.ExportParameters(false).Modulus!,
        });
    }

    private static (AsymmetricAlgorithm, TpmPublic) EccEk()
    {
        var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ecdh.ExportParameters(false).Q;
        return (ecdh, new TpmPublic
        {
            Type = TpmAlg.Ecc, NameAlg = TpmAlg.Sha256, Attributes = TpmTemplates.EkLowRangeAttributes, AuthPolicy = TpmTemplates.PolicyASha256,
            Symmetric = TpmSymmetric.Aes128Cfb, Scheme = TpmAlg.Null, Curve = TpmEccCurve.NistP256, Kdf = TpmAlg.Null, X = q.X!, Y = q.Y!,
        });
    }

    private static TpmPublic RsaAk()
    {
        using var rsa = RSA.Create(2048);
        return new TpmPublic
        {
            Type = TpmAlg.Rsa, NameAlg = TpmAlg.Sha256, Attributes = TpmTemplates.AkAttributes, Symmetric = TpmSymmetric.Null,
            Scheme = TpmAlg.RsaSsa, SchemeHash = TpmAlg.Sha256, KeyBits = 2048, Exponent = 0, Modulus = rsa.ExportParameters(false).Modulus!,
        };
    }

    private static TpmPublic EccAk()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = ecdsa.ExportParameters(false).Q;
        return new TpmPublic
        {
            Type = TpmAlg.Ecc, NameAlg = TpmAlg.Sha256, Attributes = TpmTemplates.AkAttributes, Symmetric = TpmSymmetric.Null,
            Scheme = TpmAlg.EcDsa, SchemeHash = TpmAlg.Sha256, Curve = TpmEccCurve.NistP256, Kdf = TpmAlg.Null, X = q.X!, Y = q.Y!,
        };
    }
}
