using Keylime.Verifier.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Keylime.Verifier.Identity;

/// <summary>Writes authentication (401) and authorization (403) denials in the JSON:API error shape of spec §1.</summary>
public static class Denials
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var body = new JsonApiErrorDocument([new JsonApiError(status.ToString(System.Globalization.CultureInfo.InvariantCulture), null, title, detail)]);
        return context.Response.WriteAsJsonAsync(body, VerifierJson.Default.JsonApiErrorDocument, "application/json", context.RequestAborted);
    }
}

/// <summary>
/// A refused authorization becomes 403 with Keylime's reason — also for anonymous callers, whom
/// Keylime answers with 403 "requires admin authentication", not with a 401 challenge.
/// </summary>
public sealed class DenialResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }

        var reason = authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message
                     ?? $"Action {context.Request.Method} {context.Request.Path} requires admin authentication (mTLS certificate)";
        return Denials.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", reason);
    }
}

/// <summary>
/// Step 2 of spec §1's pipeline: a request that carries an <c>Authorization</c> header with a bad,
/// unknown, inactive or expired token is answered 401 on every matched route — public ones included —
/// except session creation and completion, where the agent is getting a new token.
/// </summary>
public sealed class BearerTokenGate(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is not null
            && context.Request.Headers.Authorization.Count > 0
            && !IsSessionHandshake(context.Request))
        {
            var result = await context.AuthenticateAsync(Identities.Scheme);
            if (result.Failure is { } failure)
            {
                await Denials.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", failure.Message);
                return;
            }
        }

        await next(context);
    }

    private static bool IsSessionHandshake(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsPatch(request.Method))
        && request.Path.Value?.Contains("/sessions", StringComparison.Ordinal) == true;
}
