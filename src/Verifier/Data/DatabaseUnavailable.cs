using System.Globalization;
using Keylime.Verifier.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Keylime.Verifier.Data;

/// <summary>
/// A request that meets an unreachable or overloaded database — connection refused or dropped,
/// PostgreSQL shutting down or out of connections, SQLite still locked after its busy timeout — is
/// answered 503 with <c>Retry-After</c> in the JSON:API error shape instead of a bare 500: the push
/// agent retries its cycle later, and the tenant prints what happened. Any other failure stays a 500.
/// </summary>
public sealed class DatabaseUnavailable(RequestDelegate next, ILogger<DatabaseUnavailable> logger)
{
    public const int RetryAfterSeconds = 5;

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (IsUnavailable(e) && !context.Response.HasStarted)
        {
            logger.LogWarning("{Method} {Path}: the database is unavailable: {Reason}", context.Request.Method, context.Request.Path, e.Message);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await Denials.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                "the verifier's database is unavailable; retry later");
        }
    }

    /// <summary>True for failures of the database's availability, not of a statement or of the request.</summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        // Npgsql's transient states (deadlock, serialization failure, …), 08: connection exception,
        // 53: insufficient resources, 57P: operator intervention (shutdown, cannot connect now).
        PostgresException p => p.IsTransient || p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal)
                               || p.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException n => n.IsTransient,
        SqliteException s => s.SqliteErrorCode is 5 or 6, // SQLITE_BUSY, SQLITE_LOCKED
        DbUpdateException or InvalidOperationException or AggregateException when e.InnerException is { } inner => IsUnavailable(inner),
        _ => false,
    };
}
