using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Keylime.Hosting;

/// <summary>
/// Keylime's "simple" authorization provider, admin half (spec/registrar.md §1, spec/verifier.md §1):
/// a request without an <c>Authorization</c> header whose TLS client certificate was verified at
/// the handshake and has a subject CN is the admin named by that CN. Anything else — a bearer
/// header (agent path, never mTLS), plain HTTP, no certificate, no CN — is not an admin.
/// </summary>
public static class AdminIdentity
{
    /// <summary>The admin's CN, or null when the request is not an admin request.</summary>
    public static string? AdminCommonName(this HttpContext context)
    {
        if (context.Request.Headers.ContainsKey("Authorization") || !context.Request.IsHttps)
        {
            return null;
        }

        var cert = context.Connection.ClientCertificate;
        var cn = cert?.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        // GetNameInfo falls back to other name parts when there is no CN; require a real CN.
        return cert is not null && !string.IsNullOrEmpty(cn) && HasCommonName(cert) ? cn : null;
    }

    /// <summary>Whether the request carries an admin identity.</summary>
    public static bool IsAdmin(this HttpContext context) => context.AdminCommonName() is not null;

    private static bool HasCommonName(X509Certificate2 cert) =>
        cert.SubjectName.EnumerateRelativeDistinguishedNames().Any(r => r.GetSingleElementType().Value == "2.5.4.3");
}
