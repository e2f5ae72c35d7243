using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Keylime.Shared.Storage;

/// <summary>
/// Runs on every SQLite connection open: WAL lets readers proceed while one writer writes, and the
/// busy timeout makes a writer wait for the lock instead of failing with "database is locked"
/// (Microsoft.Data.Sqlite also retries busy statements until the command timeout).
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=";

    public static readonly SqlitePragmas Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas + (DatabaseTarget.SqliteBusyTimeoutSeconds * 1000) + ";";
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas + (DatabaseTarget.SqliteBusyTimeoutSeconds * 1000) + ";";
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
