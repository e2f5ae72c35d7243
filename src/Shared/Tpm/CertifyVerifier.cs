using System.Security.Cryptography;
using System.Text;

namespace Keylime.Shared.Tpm;

/// <summary>
/// Verifies TPM2_Certify results (spec/tpm.md §5.3, spec/verifier.md §6.3): the push-model proof of
/// possession (the AK certifies itself over the session challenge) and the IAK→AK binding.
/// Order: signature scheme/hash → signature → magic/type → qualifying data → certified Name.
/// </summary>
public sealed class CertifyVerifier
{
    private readonly AttestationKey _signer;

    public CertifyVerifier(AttestationKey signer)
    {
        _signer = signer;
    }

    public static CertifyVerifier ForKey(ReadOnlySpan<byte> signerPublic) => new(AttestationKey.FromTpm2B(signerPublic));

    /// <summary>
    /// Verifies that <paramref name="message"/> (TPMS_ATTEST) signed by the signer certifies the object named
    /// <paramref name="certifiedName"/> over <paramref name="qualifyingData"/>. Pass <paramref name="hash"/> /
    /// <paramref name="scheme"/> to pin what was negotiated (Keylime's PoP pins SHA-256 and RSASSA).
    /// </summary>
    public CertifyVerification Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> qualifyingData,
        ReadOnlySpan<byte> certifiedName, TpmAlg? hash = null, TpmAlg? scheme = null)
    {
        TpmSignature sig;
        try
        {
            sig = TpmSignature.Parse(signature);
        }
        catch (TpmFormatException e)
        {
            return CertifyVerification.Fail(TpmCheck.Structure, $"signature: {e.Message}");
        }

        var signatureFailure = QuoteVerifier.CheckSignature(_signer, message, sig, hash, scheme);
        if (signatureFailure is not null)
        {
            return CertifyVerification.Fail(signatureFailure.Value.Check, signatureFailure.Value.Message);
        }

        TpmsAttest attest;
        try
        {
            attest = TpmsAttest.Parse(message);
        }
        catch (TpmFormatException e)
        {
            return CertifyVerification.Fail(TpmCheck.Structure, $"attest: {e.Message}");
        }

        var headerFailure = QuoteVerifier.CheckHeader(attest, TpmsAttest.TagAttestCertify, qualifyingData);
        if (headerFailure is not null)
        {
            return CertifyVerification.Fail(headerFailure.Value.Check, headerFailure.Value.Message, attest);
        }

        return attest.Certify!.Name.AsSpan().SequenceEqual(certifiedName)
            ? new CertifyVerification(null, "", attest)
            : CertifyVerification.Fail(TpmCheck.CertifiedName, "the certified Name is not the expected key's Name", attest);
    }

    /// <summary>Push-model PoP: the AK certified itself over the challenge bytes.</summary>
    public CertifyVerification VerifySelfCertification(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature,
        ReadOnlySpan<byte> challenge, TpmAlg? hash = null, TpmAlg? scheme = null) =>
        Verify(message, signature, challenge, _signer.Name, hash, scheme);

    /// <summary>
    /// IAK→AK binding (spec/registrar.md §5.7): this verifier's key is the IAK, the certified object the AK,
    /// and the qualifying data SHA-256(UTF-8 agent id) — or, from older agents, the raw UTF-8 agent id.
    /// </summary>
    public CertifyVerification VerifyIakBinding(ReadOnlySpan<byte> iakAttest, ReadOnlySpan<byte> iakSign, ReadOnlySpan<byte> akName, string agentId)
    {
        var raw = Encoding.UTF8.GetBytes(agentId);
        var result = Verify(iakAttest, iakSign, SHA256.HashData(raw), akName);
        return result.FailedCheck == TpmCheck.Nonce ? Verify(iakAttest, iakSign, raw, akName) : result;
    }
}
