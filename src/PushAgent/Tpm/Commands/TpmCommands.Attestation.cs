using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// A signed attestation as the TPM returned it: <c>Attest</c> is the TPMS_ATTEST (the TPM2B_ATTEST
/// body, i.e. the signed message) and <c>Signature</c> the TPMT_SIGNATURE. These are exactly the
/// bytes Keylime base64-encodes as <c>message</c> and <c>signature</c>.
/// </summary>
public sealed record SignedAttest(byte[] Attest, byte[] Signature);

public sealed partial class TpmCommands
{
    /// <summary>
    /// TPM2_ActivateCredential (spec/tpm.md §5.6): the AK (ADMIN role, empty password) and the EK
    /// (USER role: a satisfied policy session). Inputs are the TPM2B_ID_OBJECT and
    /// TPM2B_ENCRYPTED_SECRET bodies (no size prefix). Returns the credential (certInfo body).
    /// </summary>
    public byte[] ActivateCredential(uint akHandle, uint ekHandle, TpmAuth ekAuth, ReadOnlySpan<byte> idObject, ReadOnlySpan<byte> encryptedSecret)
    {
        var p = new TpmWriter().WriteSized(idObject).WriteSized(encryptedSecret);
        var response = Run(Tpm2Cc.ActivateCredential, [akHandle, ekHandle], [TpmAuth.EmptyPassword, ekAuth], p);
        return Parse(Tpm2Cc.ActivateCredential, response, (ref TpmReader r) => r.ReadSized("certInfo").ToArray());
    }

    /// <summary>
    /// TPM2_Certify of <paramref name="objectHandle"/> by <paramref name="signHandle"/> over
    /// <paramref name="qualifyingData"/>, with the signing key's own scheme (inScheme NULL).
    /// Both roles use the empty password: an AK has userWithAuth = 1 and adminWithPolicy = 0.
    /// </summary>
    public SignedAttest Certify(uint objectHandle, uint signHandle, ReadOnlySpan<byte> qualifyingData)
    {
        var p = new TpmWriter().WriteSized(qualifyingData).WriteUInt16((ushort)TpmAlg.Null);
        var response = Run(Tpm2Cc.Certify, [objectHandle, signHandle], [TpmAuth.EmptyPassword, TpmAuth.EmptyPassword], p);
        return Parse(Tpm2Cc.Certify, response, ReadSignedAttest);
    }

    /// <summary>
    /// TPM2_Quote over <paramref name="selection"/> with qualifyingData = the nonce. inScheme NULL
    /// means the key's own scheme; a restricted key refuses any other (TPM_RC_SCHEME).
    /// </summary>
    public SignedAttest Quote(uint signHandle, ReadOnlySpan<byte> qualifyingData, PcrSelection selection)
    {
        var p = new TpmWriter().WriteSized(qualifyingData).WriteUInt16((ushort)TpmAlg.Null);
        selection.Write(p);
        var response = Run(Tpm2Cc.Quote, [signHandle], [TpmAuth.EmptyPassword], p);
        return Parse(Tpm2Cc.Quote, response, ReadSignedAttest);
    }

    private static SignedAttest ReadSignedAttest(ref TpmReader r)
    {
        var attest = r.ReadSized("TPM2B_ATTEST").ToArray();
        var signature = r.ReadBytes(r.Remaining, "TPMT_SIGNATURE").ToArray();
        return new SignedAttest(attest, signature);
    }
}
