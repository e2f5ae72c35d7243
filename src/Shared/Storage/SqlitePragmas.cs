using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Keylime.Shared.Storage;

/// <summary>
/// Configures every SQLite connection: WAL lets readers proceed while one writer writes, and the
/// busy timeout makes a writer wait for the lock instead of failing with "database is locked"
/// (Microsoft.Data.Sqlite also retries busy statements until the command timeout).
/// These settings belong to the native connection, which the pool keeps open across logical opens,
/// so they are sent once per native connection rather than on every open (four statements per
/// request otherwise).
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=";

    public static readonly SqlitePragmas Instance = new();

    private static readonly object Configured = new();

    // Native handles already configured; an entry goes away with its handle when the pool drops the connection.
    private readonly ConditionalWeakTable<object, object> _configured = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (NeedsPragmas(connection, out var handle))
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = Pragmas + (DatabaseTarget.SqliteBusyTimeoutSeconds * 1000) + ";";
            cmd.ExecuteNonQuery();
            MarkConfigured(handle);
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (NeedsPragmas(connection, out var handle))
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = Pragmas + (DatabaseTarget.SqliteBusyTimeoutSeconds * 1000) + ";";
            await cmd.ExecuteNonQueryAsync(cancellationToken);
            MarkConfigured(handle);
        }
    }

    private bool NeedsPragmas(DbConnection connection, out object? handle)
    {
        handle = (connection as SqliteConnection)?.Handle;
        return handle is null || !_configured.TryGetValue(handle, out _);
    }

    private void MarkConfigured(object? handle)
    {
        if (handle is not null)
        {
            _configured.AddOrUpdate(handle, Configured);
        }
    }
}
