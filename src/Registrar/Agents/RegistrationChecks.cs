using System.Security.Cryptography.X509Certificates;
using Keylime.Registrar.Storage;
using Keylime.Shared.Tpm;

namespace Keylime.Registrar.Agents;

/// <summary>
/// The identity the registration would leave stored: request fields where sent, stored values
/// otherwise (spec/registrar.md §5.1 "fields not sent keep their stored value").
/// </summary>
public sealed record MergedIdentity(byte[]? EkTpm, byte[]? EkCert, byte[]? AikTpm, byte[]? IakTpm, byte[]? IdevidTpm, byte[]? IakCert, byte[]? IdevidCert)
{
    public static MergedIdentity From(RegistrationRequest request, RegisteredAgent? stored) => new(
        Pick(request.EkTpm, stored?.EkTpm),
        Pick(request.EkCert, stored?.EkCert),
        Pick(request.AikTpm, stored?.AikTpm),
        Pick(request.IakTpm, stored?.IakTpm),
        Pick(request.IdevidTpm, stored?.IdevidTpm),
        Pick(request.IakCert, stored?.IakCert),
        Pick(request.IdevidCert, stored?.IdevidCert));

    private static byte[]? Pick(Field<byte[]> field, string? stored) =>
        field.Present ? field.Value : stored is null ? null : Convert.FromBase64String(stored);
}

/// <summary>The validation steps of spec/registrar.md §5.3, each returning the reasons it failed.</summary>
public static class RegistrationChecks
{
    /// <summary>
    /// Step 3: a stored EK, EK certificate or AK may not be replaced or cleared by a new registration
    /// (certificates compared as DER, keys as raw bytes). Filling a previously empty field is allowed.
    /// </summary>
    public static bool ChangesIdentity(RegistrationRequest request, RegisteredAgent stored) =>
        Changes(request.EkTpm, stored.EkTpm) || Changes(request.EkCert, stored.EkCert) || Changes(request.AikTpm, stored.AikTpm);

    /// <summary>Steps 4–8 plus the hardening rules (AK policy, EK trust store); empty when the identity is acceptable.</summary>
    public static List<string> Validate(RegistrationRequest request, MergedIdentity identity, RegistrationPolicy policy)
    {
        var errors = new List<string>();
        var ek = ParseKey(identity.EkTpm, "ek_tpm", errors);
        var ak = ParseKey(identity.AikTpm, "aik_tpm", errors);
        CheckEkCertificate(request, identity, ek, policy, errors);
        CheckDevIdPresence(identity, policy, errors);
        if (identity.AikTpm is null)
        {
            errors.Add("aik_tpm is required");
        }

        if (identity.EkTpm is null)
        {
            errors.Add("ek_tpm is required to build the challenge");
        }

        if (ak is not null)
        {
            // Keylime's current registrar accepts any AK; we require a restricted signing key that
            // cannot leave its TPM (spec §5.4, deliberate hardening).
            var verdict = AkPolicy.Check(ak);
            if (!verdict.IsAllowed)
            {
                errors.Add($"aik_tpm refused: {verdict.Message}");
            }
        }

        if (ek is not null && !ek.IsRsa && !ek.IsEcc)
        {
            errors.Add("ek_tpm must be an RSA or ECC key");
        }

        return errors;
    }

    /// <summary>Parses a TPM2B_PUBLIC; null (with a reason) when absent or malformed.</summary>
    public static TpmPublic? ParseKey(byte[]? tpm2b, string name, List<string> errors)
    {
        if (tpm2b is null)
        {
            return null;
        }

        try
        {
            return TpmPublic.Parse(tpm2b);
        }
        catch (TpmFormatException e)
        {
            errors.Add($"{name} must be a valid TPM2B_PUBLIC structure: {e.Message}");
            return null;
        }
    }

    private static bool Changes(Field<byte[]> field, string? stored) =>
        field.Present && stored is not null
        && (field.Value is null || !string.Equals(Convert.ToBase64String(field.Value), stored, StringComparison.Ordinal));

    /// <summary>Step 4 (EK certificate carries ek_tpm) and, with a trust store, its chain.</summary>
    private static void CheckEkCertificate(RegistrationRequest request, MergedIdentity identity, TpmPublic? ek, RegistrationPolicy policy, List<string> errors)
    {
        if (identity.EkCert is null || !(request.EkTpm.Present || request.EkCert.Present))
        {
            return;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(identity.EkCert);
        if (ek is not null && !EkCertificates.KeyMatches(certificate, ek))
        {
            errors.Add("ek_tpm must contain the same public key found in ekcert");
            return;
        }

        if (policy.EkTrustStore is { } store)
        {
            var verdict = store.Validate(certificate, ek);
            if (!verdict.IsValid)
            {
                errors.Add($"ekcert refused: {verdict.Message}");
            }
        }
    }

    /// <summary>
    /// Steps 5–6: which roots of identity must be present per <c>tpm_identity</c>. The IAK/IDevID
    /// path also needs the AK↔IAK TPM2_Certify check of spec §5.7, which is not implemented yet, so
    /// registrations carrying IAK/IDevID keys are refused rather than accepted unverified.
    /// </summary>
    private static void CheckDevIdPresence(MergedIdentity identity, RegistrationPolicy policy, List<string> errors)
    {
        var hasDevId = identity.IakTpm is not null || identity.IdevidTpm is not null || identity.IakCert is not null || identity.IdevidCert is not null;
        if (policy.TpmIdentity == "iak_idevid" && (identity.IakTpm is null || identity.IdevidTpm is null))
        {
            errors.Add("tpm_identity = iak_idevid requires iak_tpm and idevid_tpm");
        }

        if (policy.TpmIdentity == "ek_cert" && identity.EkTpm is null)
        {
            errors.Add("tpm_identity = ek_cert requires ek_tpm");
        }

        if (hasDevId)
        {
            errors.Add("IAK/IDevID registration is not supported by this registrar (the AK certification by the IAK cannot be verified)");
        }
    }
}
