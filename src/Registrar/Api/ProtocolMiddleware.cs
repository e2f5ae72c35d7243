using System.Text.RegularExpressions;

namespace Keylime.Registrar.Api;

/// <summary>HTTP-level habits of Keylime's server (spec/registrar.md §1–2) that sit outside any route.</summary>
public static partial class ProtocolMiddleware
{
    private static readonly HashSet<string> KnownMethods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
    };

    /// <summary>Methods outside GET/HEAD/POST/PUT/PATCH/DELETE/OPTIONS → 501 (empty body); X-Request-ID echoed, sanitized.</summary>
    public static IApplicationBuilder UseKeylimeProtocol(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!KnownMethods.Contains(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status501NotImplemented;
            return;
        }

        if (context.Request.Headers.TryGetValue("X-Request-ID", out var requestId))
        {
            var clean = NonWord().Replace(requestId.ToString(), "");
            context.Response.Headers["X-Request-ID"] = clean.Length > 36 ? clean[..36] : clean;
        }

        await next(context);
    });

    [GeneratedRegex(@"[^\w]", RegexOptions.CultureInvariant)]
    private static partial Regex NonWord();
}
