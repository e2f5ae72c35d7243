using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Tpm;

namespace Keylime.Registrar.Tests.Support;

/// <summary>
/// An agent whose "TPM" lives in software: an ECC P-256 EK in the TCG L-2 template and an RSA-2048
/// AK in the tpm2_createak/rust-keylime template, plus ActivateCredential in software. Used where a
/// real TPM would only slow the test down (route matrix, benchmark); the real-TPM tests use swtpm.
/// </summary>
public sealed class SoftwareAgent : IDisposable
{
    /// <summary>TCG PolicyA (PolicySecret(TPM_RH_ENDORSEMENT)), the authPolicy of the L-1/L-2 EK templates.</summary>
    public static readonly byte[] EkPolicyA = Convert.FromHexString("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");

    private readonly ECDiffieHellman _ek;

    public SoftwareAgent(TpmObjectAttributes akAttributes = (TpmObjectAttributes)0x00050072, RSA? akKey = null)
    {
        _ek = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = _ek.ExportParameters(false).Q;
        Ek = new TpmPublic
        {
            Type = TpmAlg.Ecc, NameAlg = TpmAlg.Sha256, Attributes = (TpmObjectAttributes)0x000300B2, AuthPolicy = EkPolicyA,
            Symmetric = TpmSymmetric.Aes128Cfb, Scheme = TpmAlg.Null, Curve = TpmEccCurve.NistP256, Kdf = TpmAlg.Null,
            X = q.X!, Y = q.Y!,
        };
        using var owned = akKey is null ? RSA.Create(2048) : null;
        var modulus = (akKey ?? owned!).ExportParameters(false).Modulus!;
        Ak = new TpmPublic
        {
            Type = TpmAlg.Rsa, NameAlg = TpmAlg.Sha256, Attributes = akAttributes, Symmetric = TpmSymmetric.Null,
            Scheme = TpmAlg.RsaSsa, SchemeHash = TpmAlg.Sha256, KeyBits = 2048, Exponent = 0, Modulus = modulus,
        };
    }

    public TpmPublic Ek { get; }

    public TpmPublic Ak { get; }

    public string EkTpmBase64 => Convert.ToBase64String(Ek.ToTpm2BBytes());

    public string AikTpmBase64 => Convert.ToBase64String(Ak.ToTpm2BBytes());

    /// <summary>TPM2_ActivateCredential in software (the core's), checking the integrity HMAC like a TPM.</summary>
    public byte[] ActivateCredential(string blobBase64)
    {
        var blob = CredentialBlob.Parse(Convert.FromBase64String(blobBase64));
        var failure = CredentialActivation.TryActivate(_ek, Ek, Ak.Name, blob, out var credential);
        return failure == CredentialActivationFailure.None
            ? credential
            : throw new CryptographicException($"TPM2_ActivateCredential refused the credential: {failure}");
    }

    /// <summary>An EK certificate for this EK issued by <paramref name="vendor"/> (a stand-in TPM manufacturer CA), as DER.</summary>
    public byte[] IssueEkCertificate(X509Certificate2 vendor)
    {
        using var key = ECDsa.Create(_ek.ExportParameters(false));
        var request = new CertificateRequest("CN=software EK", key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(vendor, now.AddDays(-1), now.AddYears(1), RandomNumberGenerator.GetBytes(8));
        return certificate.RawData;
    }

    /// <summary>What the agent sends to activate: HMAC-SHA384 keyed by base64(credential) over the agent ID.</summary>
    public string AuthTag(string blobBase64, string agentId) =>
        ActivationProof.AuthTag(ActivationProof.KeyFor(ActivateCredential(blobBase64)), agentId);

    public void Dispose() => _ek.Dispose();
}
