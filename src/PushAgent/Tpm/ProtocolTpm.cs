using System.Security.Cryptography;
using System.Text;
using Keylime.PushAgent.Evidence;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// <see cref="ITpm"/> (with its EK and AK loaded) seen through the protocol layer's
/// <see cref="IAgentTpm"/>: Keylime algorithm names, TPMT_PUBLIC areas, the PCR blob.
/// </summary>
public sealed class ProtocolTpm : IAgentTpm
{
    /// <summary>The order rust-keylime lists banks and schemes in.</summary>
    private static readonly TpmAlg[] BankOrder = [TpmAlg.Sha1, TpmAlg.Sha256, TpmAlg.Sha384, TpmAlg.Sha512];
    private static readonly TpmAlg[] SchemeOrder = [TpmAlg.EcDsa, TpmAlg.RsaPss, TpmAlg.RsaSsa];

    private readonly ITpm _tpm;

    public ProtocolTpm(ITpm tpm, AgentEndorsementKey ek, AgentAttestationKey ak)
    {
        _tpm = tpm;
        var ekPublic = TpmPublic.Parse(ek.Public);
        var akPublic = TpmPublic.Parse(ak.Public);
        Keys = new AgentKeys(
            ekPublic.ToTpmtBytes(),
            ek.Certificate,
            ek.ChainCertificates,
            akPublic.ToTpmtBytes(),
            ak.Name,
            // Keylime's hash_ek: SHA-256 over the EK's SubjectPublicKeyInfo PEM text.
            Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(ekPublic.ToPem()))),
            new AkAlgorithms(
                TpmAlgorithms.Name(ak.Type),
                akPublic.IsRsa ? akPublic.Modulus.Length * 8 : TpmPublic.CurveSize(akPublic.Curve) * 8,
                TpmAlgorithms.Name(ak.Hash),
                TpmAlgorithms.Name(ak.Scheme)));
        var inventory = tpm.GetInventory();
        PcrBanks = BankOrder
            .Where(inventory.PcrBanks.ContainsKey)
            .ToDictionary(b => TpmAlgorithms.Name(b), b => inventory.PcrBanks[b]);
        SignatureSchemes = SchemeOrder.Where(inventory.SigningSchemes.Contains).Select(TpmAlgorithms.Name).ToList();
    }

    /// <summary>The TPM underneath (for PCR extends and diagnostics).</summary>
    public ITpm Tpm => _tpm;

    public AgentKeys Keys { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<int>> PcrBanks { get; }

    public IReadOnlyList<string> SignatureSchemes { get; }

    public byte[] ActivateCredential(byte[] credential, byte[] encryptedSecret) =>
        _tpm.ActivateCredential(new CredentialBlob(credential, encryptedSecret));

    public SignedAttestation Certify(byte[] qualifyingData)
    {
        var certify = _tpm.Certify(qualifyingData);
        return new SignedAttestation(certify.Attest, certify.Signature);
    }

    public QuoteEvidence Quote(byte[] nonce, string hashAlgorithm, IReadOnlyList<int> pcrs)
    {
        var quote = _tpm.Quote(nonce, PcrSelection.Of(TpmAlgorithms.ParseHash(hashAlgorithm), [.. pcrs]));
        return new QuoteEvidence(quote.Attest, quote.Signature, quote.Pcrs.ToSubjectData());
    }
}
