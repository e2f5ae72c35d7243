using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Data;

/// <summary>
/// One parameterised statement of the push cycle: SQL valid on SQLite and PostgreSQL alike, with
/// positional placeholders <c>$1</c>…<c>$n</c> for <see cref="Args"/> (PostgreSQL's own syntax, and a
/// named parameter on SQLite). Timestamps must be UTC.
/// </summary>
public sealed record SqlStatement(string Sql, params object?[] Args);

/// <summary>
/// The per-cycle writes and reads of the attestation protocol as ADO.NET on the pooled context's
/// connection, without EF's command pipeline: profiling the push cycle put most of the verifier's CPU in
/// EF's per-statement machinery and in the thread-pool wake-ups around each round trip. Several
/// statements go as <b>one</b> round trip where the provider can (PostgreSQL: a batch, which the server
/// runs in one implicit transaction: all or nothing) and in one transaction otherwise (SQLite, in
/// process). Opening through EF keeps its connection interceptors (SQLite's PRAGMAs) in force.
/// </summary>
public static class SqlBatch
{
    /// <summary>True when statements travel as one batch (PostgreSQL), false when they run one by one in process (SQLite).</summary>
    public static bool SendsBatches(VerifierDbContext db) => db.Database.GetDbConnection().CanCreateBatch;

    /// <summary>
    /// Runs the statements atomically and returns the rows each one affected — on PostgreSQL through the
    /// application's <see cref="SqlPipeline"/>, grouped with other requests' statements.
    /// </summary>
    public static Task<int[]> ExecuteAsync(ISqlTarget db, IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken) =>
        db.Pipeline is { } pipeline ? pipeline.ExecuteAsync(statements, cancellationToken) : ExecuteHereAsync(db.Context, statements, cancellationToken);

    private static async Task<int[]> ExecuteHereAsync(VerifierDbContext db, IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(db, cancellationToken);
        try
        {
            if (connection.CanCreateBatch)
            {
                return await SendAsync(db, connection, null, statements, cancellationToken);
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var affected = await SendAsync(db, connection, transaction, statements, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return affected;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction; each call of the function it gets sends a list of
    /// statements (one round trip on PostgreSQL, whose BEGIN travels with the first) and returns the rows
    /// each affected, so later statements can depend on what earlier ones did.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(VerifierDbContext db,
        Func<Func<IReadOnlyList<SqlStatement>, Task<int[]>>, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(db, cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await work(statements => SendAsync(db, connection, transaction, statements, cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<int[]> SendAsync(VerifierDbContext db, DbConnection connection, DbTransaction? transaction,
        IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken)
    {
        if (statements.Count == 0)
        {
            return [];
        }

        if (connection.CanCreateBatch)
        {
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            batch.Timeout = db.Database.GetCommandTimeout() ?? batch.Timeout;
            Add(batch, statements);

            await batch.ExecuteNonQueryAsync(cancellationToken);
            return [.. batch.BatchCommands.Select(c => c.RecordsAffected)];
        }

        var affected = new int[statements.Count];
        for (var i = 0; i < statements.Count; i++)
        {
            await using var command = Command(db, connection, statements[i], positional: false);
            command.Transaction = transaction;
            affected[i] = await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return affected;
    }

    /// <summary>
    /// Runs one query and hands its reader to <paramref name="read"/> (which only reads rows, and may run
    /// again if a group it was part of failed) — on PostgreSQL through the <see cref="SqlPipeline"/>.
    /// </summary>
    public static Task<T> QueryAsync<T>(ISqlTarget db, SqlStatement statement, Func<DbDataReader, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken) =>
        db.Pipeline is { } pipeline ? pipeline.QueryAsync(statement, read, cancellationToken) : QueryHereAsync(db.Context, statement, read, cancellationToken);

    /// <summary>
    /// PostgreSQL: runs statements that each return rows as one batch, and hands the reader to <paramref name="read"/>,
    /// which moves from one statement's result set to the next itself (see <see cref="SqlPipeline.QueryEachAsync{T}"/>).
    /// </summary>
    public static Task<T> QueryEachAsync<T>(ISqlTarget db, IReadOnlyList<SqlStatement> statements, Func<DbDataReader, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken) =>
        db.Pipeline is { } pipeline ? pipeline.QueryEachAsync(statements, read, cancellationToken) : QueryHereAsync(db.Context, statements, read, cancellationToken);

    private static Task<T> QueryHereAsync<T>(VerifierDbContext db, SqlStatement statement, Func<DbDataReader, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken) =>
        QueryHereAsync(db, [statement], read, cancellationToken);

    private static async Task<T> QueryHereAsync<T>(VerifierDbContext db, IReadOnlyList<SqlStatement> statements,
        Func<DbDataReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(db, cancellationToken);
        try
        {
            if (statements.Count == 1)
            {
                await using var command = Command(db, connection, statements[0], positional: connection.CanCreateBatch);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                return await read(reader, cancellationToken);
            }

            await using var batch = connection.CreateBatch(); // several at once: PostgreSQL only (SQLite cannot batch)
            Add(batch, statements);

            await using var batchReader = await batch.ExecuteReaderAsync(cancellationToken);
            return await read(batchReader, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Adds the statements to <paramref name="batch"/>, placeholders as PostgreSQL's positional parameters.</summary>
    public static void Add(DbBatch batch, IEnumerable<SqlStatement> statements)
    {
        foreach (var statement in statements)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = statement.Sql;
            Bind(command.Parameters, command.CreateParameter, statement.Args, positional: true);
            batch.BatchCommands.Add(command);
        }
    }

    /// <summary>A UTC timestamp column: Npgsql reads timestamptz as UTC, SQLite's text loses the kind.</summary>
    public static DateTime Utc(DbDataReader reader, int ordinal) => DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

    public static DateTime? UtcOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Utc(reader, ordinal);

    public static string? StringOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>A list of strings as EF stores it: a text[] on PostgreSQL, a JSON array in a TEXT column on SQLite.</summary>
    public static List<string> StringList(DbDataReader reader, int ordinal) =>
        reader.GetFieldType(ordinal) == typeof(string)
            ? System.Text.Json.JsonSerializer.Deserialize(reader.GetString(ordinal), StoredListsJson.Default.ListString) ?? []
            : [.. reader.GetFieldValue<string[]>(ordinal)];

    private static async Task<DbConnection> OpenAsync(VerifierDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        return db.Database.GetDbConnection();
    }

    private static DbCommand Command(VerifierDbContext db, DbConnection connection, SqlStatement statement, bool positional)
    {
        var command = connection.CreateCommand();
        command.CommandText = statement.Sql;
        command.CommandTimeout = db.Database.GetCommandTimeout() ?? command.CommandTimeout;
        Bind(command.Parameters, command.CreateParameter, statement.Args, positional);
        return command;
    }

    // Npgsql takes $n placeholders as positional (unnamed) parameters; SQLite binds "$n" by name.
    internal static void Bind(DbParameterCollection parameters, Func<DbParameter> create, object?[] args, bool positional)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var parameter = create();
            if (!positional)
            {
                parameter.ParameterName = "$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            parameter.Value = args[i] ?? DBNull.Value;
            parameters.Add(parameter);
        }
    }
}

/// <summary>Source-generated JSON for the list columns SQLite keeps as text.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class StoredListsJson : System.Text.Json.Serialization.JsonSerializerContext;
