using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keylime.Tenant.Registrar;

/// <summary>
/// The EK trust check of <c>require_ek_cert</c>: the registrar's <c>ekcert</c> (base64 DER) must be
/// issued by a certificate of <c>tpm_cert_store</c>. Keylime's tenant runs this only in pull mode
/// (after the agent's quote); we run it for push enrollment too, because in push mode nothing else
/// ever looks at the EK before the verifier trusts the AK.
/// </summary>
public static class EkCertificateCheck
{
    /// <summary>Null when the agent's EK certificate is acceptable, else the one-line reason.</summary>
    public static string? Problem(RegistrarAgent agent, string tpmCertStore)
    {
        if (agent.EkCert is not { Length: > 0 } ekcert)
        {
            return "No EK cert provided, require_ek_cert option in config set to True";
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(ekcert));
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return $"Invalid EK certificate: {e.Message}";
        }

        using (certificate)
        {
            return Directory.Exists(tpmCertStore)
                ? ChainProblem(certificate, tpmCertStore)
                : $"tpm_cert_store {tpmCertStore} does not exist";
        }
    }

    private static string? ChainProblem(X509Certificate2 certificate, string store)
    {
        var anchors = new X509Certificate2Collection();
        foreach (var file in Directory.EnumerateFiles(store).Order(StringComparer.Ordinal))
        {
            try
            {
                anchors.ImportFromPemFile(file);
            }
            catch (CryptographicException)
            {
                try
                {
                    anchors.Add(X509CertificateLoader.LoadCertificateFromFile(file));
                }
                catch (CryptographicException)
                {
                    // not a certificate; Keylime skips such files too
                }
            }
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        // Keylime accepts an EK certificate issued directly by any store certificate (root or
        // intermediate), so every store certificate is an anchor.
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.ExtraStore.AddRange(anchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        // EK certificates carry TPM-specific critical extensions and EKUs; only the signatures matter here.
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreInvalidPolicy | X509VerificationFlags.IgnoreWrongUsage
                                              | X509VerificationFlags.IgnoreNotTimeValid;
        var ok = chain.Build(certificate);
        var problems = chain.ChainStatus
            .Where(s => s.Status is not (X509ChainStatusFlags.HasNotSupportedCriticalExtension or X509ChainStatusFlags.InvalidExtension))
            .Select(s => s.Status.ToString())
            .ToList();
        foreach (var anchor in anchors)
        {
            anchor.Dispose();
        }

        return ok || problems.Count == 0 ? null : $"Invalid EK certificate: not issued by a CA in tpm_cert_store {store} ({string.Join(", ", problems)})";
    }
}
