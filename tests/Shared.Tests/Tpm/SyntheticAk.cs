using System.Security.Cryptography;
using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>
/// A software AK for rules the swtpm vectors cannot show (safe = 0, clock regressions, bad magic):
/// a .NET RSA-2048 key in the tpm2_createak template that signs TPMS_ATTEST like a TPM would.
/// </summary>
internal sealed class SyntheticAk : IDisposable
{
    private readonly RSA _rsa = RSA.Create(2048);

    /// <summary>One key for all tests: RSA key generation is the slow part.</summary>
    public static SyntheticAk Shared { get; } = new();

    public SyntheticAk()
    {
        var p = _rsa.ExportParameters(false);
        Public = new TpmPublic
        {
            Type = TpmAlg.Rsa, NameAlg = TpmAlg.Sha256,
            Attributes = (TpmObjectAttributes)0x00050072,
            Scheme = TpmAlg.RsaSsa, SchemeHash = TpmAlg.Sha256, KeyBits = 2048, Exponent = 0, Modulus = p.Modulus!,
        };
    }

    public TpmPublic Public { get; }

    public static PcrValues Pcrs()
    {
        var selection = PcrSelection.Of(TpmAlg.Sha256, 0, 1, 10);
        return PcrValues.Create(selection, [new byte[32], Enumerable.Repeat((byte)1, 32).ToArray(), Enumerable.Repeat((byte)2, 32).ToArray()]);
    }

    public KeylimeQuote Quote(byte[] nonce, TpmClockInfo clock, uint magic = TpmsAttest.GeneratedValue)
    {
        var pcrs = Pcrs();
        var attest = new TpmsAttest
        {
            Magic = magic, Type = TpmsAttest.TagAttestQuote, QualifiedSigner = Public.Name, ExtraData = nonce,
            ClockInfo = clock, FirmwareVersion = 0x2019102300163636,
            Quote = new TpmsQuoteInfo(pcrs.Selection, pcrs.ComputeDigest(TpmAlg.Sha256)),
        }.ToBytes();
        var signature = new TpmSignature
        {
            SigAlg = TpmAlg.RsaSsa, Hash = TpmAlg.Sha256,
            Signature = _rsa.SignData(attest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        };
        return new KeylimeQuote(attest, signature.ToBytes(), pcrs.ToSubjectData());
    }

    /// <summary>A TPM2_Certify result of the object named <paramref name="name"/>, signed by this key.</summary>
    public (byte[] Attest, byte[] Signature) Certify(byte[] qualifyingData, byte[] name)
    {
        var attest = new TpmsAttest
        {
            Magic = TpmsAttest.GeneratedValue, Type = TpmsAttest.TagAttestCertify, QualifiedSigner = Public.Name,
            ExtraData = qualifyingData, ClockInfo = new TpmClockInfo(1, 1, 0, true), FirmwareVersion = 1,
            Certify = new TpmsCertifyInfo(name, name),
        }.ToBytes();
        var signature = new TpmSignature
        {
            SigAlg = TpmAlg.RsaPss, Hash = TpmAlg.Sha256,
            Signature = _rsa.SignData(attest, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
        };
        return (attest, signature.ToBytes());
    }

    public void Dispose() => _rsa.Dispose();
}
