using Keylime.Shared.Tpm;

namespace Keylime.Verifier.Agents;

/// <summary>
/// Enrollment's <c>ak_tpm</c> must be an attestation key by the TPM core's <see cref="AkPolicy"/>
/// (Keylime's verifier checks nothing here; an EK or a decrypt key would only fail later, at PoP).
/// </summary>
public static class AttestationKeyCheck
{
    /// <summary>Null when <paramref name="tpm2bPublic"/> is an acceptable AK, else the reason.</summary>
    public static string? Refuse(ReadOnlySpan<byte> tpm2bPublic)
    {
        try
        {
            var result = AkPolicy.Check(TpmPublic.Parse(tpm2bPublic));
            return result.IsAllowed ? null : result.Message;
        }
        catch (TpmFormatException e)
        {
            return $"not a TPM2B_PUBLIC: {e.Message}";
        }
    }
}
