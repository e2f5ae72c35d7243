using Keylime.Shared.Tpm;

namespace Keylime.Tenant.Registrar;

/// <summary>
/// The EK trust check of <c>require_ek_cert</c>: the registrar's <c>ekcert</c> (base64 DER) must carry
/// the agent's EK (<c>ek_tpm</c>) and chain to <c>tpm_cert_store</c> (the shared
/// <see cref="TpmCertStore"/> rules, as the registrar uses them). Keylime's tenant runs this only in
/// pull mode (after the agent's quote); we run it for push enrollment too, because in push mode nothing
/// else looks at the EK before the verifier starts trusting the AK.
/// </summary>
public static class EkCertificateCheck
{
    /// <summary>Null when the agent's EK certificate is acceptable, else the one-line reason.</summary>
    public static string? Problem(RegistrarAgent agent, string tpmCertStore, TimeProvider? time = null)
    {
        if (agent.EkCert is not { Length: > 0 } ekcert)
        {
            return "No EK cert provided, require_ek_cert option in config set to True";
        }

        if (!Directory.Exists(tpmCertStore))
        {
            return $"tpm_cert_store {tpmCertStore} does not exist";
        }

        try
        {
            using var certificate = EkCertificates.Load(Convert.FromBase64String(ekcert));
            var ek = agent.EkTpm is { Length: > 0 } ekTpm ? TpmPublic.Parse(Convert.FromBase64String(ekTpm)) : null;
            var result = TpmCertStore.Load(tpmCertStore, time).Validate(certificate, ek);
            return result.IsValid ? null : $"Invalid EK certificate: {result.Message} ({tpmCertStore})";
        }
        catch (Exception e) when (e is FormatException or TpmFormatException)
        {
            return $"Invalid EK certificate: {e.Message}";
        }
    }
}
