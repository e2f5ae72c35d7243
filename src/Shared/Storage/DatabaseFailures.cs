using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Keylime.Shared.Storage;

/// <summary>
/// Which database failures mean "the database is unavailable" — the services answer those 503 with
/// <c>Retry-After</c> (the caller may retry) rather than 500.
/// </summary>
public static class DatabaseFailures
{
    /// <summary>Seconds a client is asked to wait before retrying after an unavailable database.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// True for failures of the database's availability — connection refused or dropped, PostgreSQL shutting
    /// down, out of connections or deadlocked, SQLite still locked after its busy timeout — not of a
    /// statement or of the request.
    /// </summary>
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
