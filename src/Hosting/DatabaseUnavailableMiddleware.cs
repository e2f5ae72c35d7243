using System.Globalization;
using Keylime.Shared.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keylime.Hosting;

/// <summary>
/// A request that meets an unreachable or overloaded database (<see cref="DatabaseFailures.IsUnavailable"/>)
/// is answered 503 with <c>Retry-After</c> in the service's own error shape, and logged as a warning,
/// instead of a bare 500: the client retries later. Any other failure, or one after the response has
/// started, is passed on unchanged.
/// </summary>
public abstract class DatabaseUnavailableMiddleware(RequestDelegate next, ILogger logger)
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
            await WriteAnswerAsync(context);
        }
    }

    /// <summary>Writes the 503 body in the service's error shape; status and Retry-After are already set.</summary>
    protected abstract Task WriteAnswerAsync(HttpContext context);
}
