namespace Keylime.Shared.Tpm;

/// <summary>Why an attestation key was refused by <see cref="AkPolicy"/>.</summary>
public enum AkPolicyFailure
{
    None = 0,
    UnsupportedKeyType,
    NotRestricted,
    NotSigning,
    Decrypt,
    NotFixedTpm,
    NotFixedParent,
    NotSensitiveDataOrigin,
    SymmetricNotNull,
    UnsupportedScheme,
    InvalidKey,
}

/// <summary>Outcome of the AK policy check: <see cref="IsAllowed"/> or the failed rule with a message.</summary>
public sealed record AkPolicyResult(AkPolicyFailure Failure, string Message)
{
    public static readonly AkPolicyResult Allowed = new(AkPolicyFailure.None, "");

    public bool IsAllowed => Failure == AkPolicyFailure.None;
}

/// <summary>
/// The AK attribute rule (spec/registrar.md §5.4): Keylime's current registrar checks nothing, the old
/// one demanded exactly 0x00050072. We take the hardened middle ground recommended there: an RSA or ECC
/// restricted signing key that cannot leave its TPM (fixedTPM, fixedParent), was generated inside it
/// (sensitiveDataOrigin) and cannot decrypt. userWithAuth/adminWithPolicy/noDA are left to the agent.
/// </summary>
public static class AkPolicy
{
    public static AkPolicyResult Check(TpmPublic ak)
    {
        if (!ak.IsRsa && !ak.IsEcc)
        {
            return Fail(AkPolicyFailure.UnsupportedKeyType, $"AK must be an RSA or ECC key, not {ak.Type}");
        }

        if (!TpmHash.IsSupported(ak.NameAlg))
        {
            return Fail(AkPolicyFailure.InvalidKey, $"AK nameAlg {ak.NameAlg} cannot name the key");
        }

        var rule = FirstMissing(ak.Attributes);
        if (rule is not null)
        {
            return rule;
        }

        if (ak.Symmetric.Algorithm != TpmAlg.Null)
        {
            return Fail(AkPolicyFailure.SymmetricNotNull, "a restricted signing key must have a NULL symmetric algorithm");
        }

        if (ak.Scheme is not (TpmAlg.RsaSsa or TpmAlg.RsaPss or TpmAlg.EcDsa or TpmAlg.Null))
        {
            return Fail(AkPolicyFailure.UnsupportedScheme, $"AK signing scheme {ak.Scheme} is not supported");
        }

        // Checked arithmetically rather than by importing the key (see TpmPublic.PublicKeyProblem).
        return ak.PublicKeyProblem() is { } problem ? Fail(AkPolicyFailure.InvalidKey, problem) : AkPolicyResult.Allowed;
    }

    private static AkPolicyResult? FirstMissing(TpmObjectAttributes a)
    {
        if ((a & TpmObjectAttributes.Restricted) == 0)
        {
            return Fail(AkPolicyFailure.NotRestricted, "AK is not a restricted key");
        }

        if ((a & TpmObjectAttributes.Sign) == 0)
        {
            return Fail(AkPolicyFailure.NotSigning, "AK is not a signing key");
        }

        if ((a & TpmObjectAttributes.Decrypt) != 0)
        {
            return Fail(AkPolicyFailure.Decrypt, "AK must not be a decryption key");
        }

        if ((a & TpmObjectAttributes.FixedTpm) == 0)
        {
            return Fail(AkPolicyFailure.NotFixedTpm, "AK is not fixedTPM");
        }

        if ((a & TpmObjectAttributes.FixedParent) == 0)
        {
            return Fail(AkPolicyFailure.NotFixedParent, "AK is not fixedParent");
        }

        if ((a & TpmObjectAttributes.SensitiveDataOrigin) == 0)
        {
            return Fail(AkPolicyFailure.NotSensitiveDataOrigin, "AK was not generated inside the TPM (sensitiveDataOrigin)");
        }

        return null;
    }

    private static AkPolicyResult Fail(AkPolicyFailure failure, string message) => new(failure, message);
}
