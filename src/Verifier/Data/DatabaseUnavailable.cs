using Keylime.Hosting;
using Keylime.Verifier.Identity;

namespace Keylime.Verifier.Data;

/// <summary>
/// The verifier's 503 for an unavailable database (<see cref="DatabaseUnavailableMiddleware"/>) as a
/// JSON:API error: the push agent retries its cycle later, and the tenant prints what happened.
/// </summary>
public sealed class DatabaseUnavailable(RequestDelegate next, ILogger<DatabaseUnavailable> logger) : DatabaseUnavailableMiddleware(next, logger)
{
    protected override Task WriteAnswerAsync(HttpContext context) =>
        Denials.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "the verifier's database is unavailable; retry later");
}
