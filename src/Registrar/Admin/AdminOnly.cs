using Keylime.Hosting;
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

        if (http.AdminCommonName() is null)
        {
            return Answer.AuthorizationDenied(http.Request.Headers.ContainsKey("Authorization")
                ? "Admin routes need a client certificate, not an Authorization header"
                : "Action requires admin privileges: present a client certificate with a subject CN");
        }

        return await next(context);
    }
}
