using System.Globalization;
using Keylime.Shared.Storage;
using Keylime.Verifier.Identity;

namespace Keylime.Verifier.Data;

/// <summary>
/// A request that meets an unreachable or overloaded database — connection refused or dropped,
/// PostgreSQL shutting down or out of connections, SQLite still locked after its busy timeout — is
/// answered 503 with <c>Retry-After</c> in the JSON:API error shape instead of a bare 500: the push
/// agent retries its cycle later, and the tenant prints what happened. Any other failure stays a 500.
/// </summary>
public sealed class DatabaseUnavailable(RequestDelegate next, ILogger<DatabaseUnavailable> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (DatabaseFailures.IsUnavailable(e) && !context.Response.HasStarted)
        {
            logger.LogWarning("{Method} {Path}: the database is unavailable: {Reason}", context.Request.Method, context.Request.Path, e.Message);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = DatabaseFailures.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await Denials.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                "the verifier's database is unavailable; retry later");
        }
    }
}
