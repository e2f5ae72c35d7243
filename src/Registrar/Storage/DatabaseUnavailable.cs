using System.Globalization;
using Keylime.Registrar.Api;
using Keylime.Shared.Storage;

namespace Keylime.Registrar.Storage;

/// <summary>
/// A request that meets an unreachable or overloaded database (<see cref="DatabaseFailures.IsUnavailable"/>)
/// is answered 503 with <c>Retry-After</c> in Keylime's envelope instead of a bare 500: the agent retries
/// its registration later, and the tenant prints the status text. Any other failure stays a 500.
/// </summary>
public sealed class DatabaseUnavailable(RequestDelegate next, ILogger<DatabaseUnavailable> logger)
{
    public const string Message = "the registrar's database is unavailable; retry later";

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
            await Answer.Error(StatusCodes.Status503ServiceUnavailable, Message).ExecuteAsync(context);
        }
    }
}
