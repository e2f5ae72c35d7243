using System.Security.Cryptography.X509Certificates;
using Keylime.Registrar.Api;

namespace Keylime.Registrar.Admin;

/// <summary>
/// Admin routes (list, show, delete) per spec/registrar.md §1: only on the HTTPS listener (plain
/// HTTP → 400 before any authorization), and only for a caller whose verified client certificate
/// has a subject CN ("simple" authorization provider). A request carrying an Authorization header is
/// anonymous here — bearer tokens are a verifier concept — so it is refused with 403.
/// </summary>
public sealed class AdminOnly : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.IsHttps)
        {
            return Answer.BadRequest("Bad Request");
        }

        if (http.Request.Headers.ContainsKey("Authorization"))
        {
            return Answer.AuthorizationDenied("Admin routes need a client certificate, not an Authorization header");
        }

        if (AdminIdentity(http.Connection.ClientCertificate) is null)
        {
            return Answer.AuthorizationDenied("Action requires admin privileges: present a client certificate with a subject CN");
        }

        return await next(context);
    }

    /// <summary>The CN of the client certificate Kestrel already validated against trusted_client_ca.</summary>
    internal static string? AdminIdentity(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return null;
        }

        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == "2.5.4.3" && rdn.GetSingleElementValue() is { Length: > 0 } cn)
            {
                return cn;
            }
        }

        return null;
    }
}
