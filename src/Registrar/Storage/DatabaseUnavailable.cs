using Keylime.Hosting;
using Keylime.Registrar.Api;

namespace Keylime.Registrar.Storage;

/// <summary>
/// The registrar's 503 for an unavailable database (<see cref="DatabaseUnavailableMiddleware"/>) in Keylime's
/// envelope: the agent retries its registration later, and the tenant prints the status text.
/// </summary>
public sealed class DatabaseUnavailable(RequestDelegate next, ILogger<DatabaseUnavailable> logger) : DatabaseUnavailableMiddleware(next, logger)
{
    public const string Message = "the registrar's database is unavailable; retry later";

    protected override Task WriteAnswerAsync(HttpContext context) =>
        Answer.Error(StatusCodes.Status503ServiceUnavailable, Message).ExecuteAsync(context);
}
