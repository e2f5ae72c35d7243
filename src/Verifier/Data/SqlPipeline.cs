using System.Data.Common;
using System.Threading.Channels;
using Keylime.Shared.Storage;
using Npgsql;

namespace Keylime.Verifier.Data;

/// <summary>
/// Group round trips for the push cycle on PostgreSQL: the statements of concurrent requests (phase 1's
/// snapshot and insert, phase 2's evidence, verdicts, the verdict GET) wait in one queue, and each of a
/// few long-lived connections sends everything waiting as <b>one</b> batch — one round trip, one implicit
/// transaction, one commit — instead of one per request. Profiling put about half of PostgreSQL's CPU per
/// cycle, and much of the verifier's, in the round trips themselves (the response <c>send</c> on loopback,
/// the wake-ups on both sides), not in the statements.
/// <para>
/// Each request's statements keep their meaning: they run in order and atomically, and a larger
/// transaction around them changes nothing a statement can see of another agent. When a grouped batch
/// fails (one request's constraint violation rolls back all of them), every request of the group is run
/// again alone, so each gets exactly its own outcome. No statement may depend on being alone in its
/// transaction (a verdict's follow-ups depend on its own completion, in the same statement).
/// </para>
/// SQLite (in process, no round trips) does not use it: <see cref="For"/> is null there.
/// </summary>
public sealed class SqlPipeline : IAsyncDisposable
{
    /// <summary>Connections sending groups; two let one group be executed while the next is sent.</summary>
    public const int DefaultConnections = 2;

    /// <summary>Statements per group at most (a group of verdicts is ~5 per agent).</summary>
    public const int MaxStatements = 256;

    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = false });
    private readonly NpgsqlDataSource? _dataSource;
    private readonly int _connections;
    private readonly ILogger<SqlPipeline> _logger;
    private readonly Lock _startLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _loops = [];
    private long _groups;
    private long _grouped;
    private int _disposed;

    public SqlPipeline(DatabaseTarget target, ILogger<SqlPipeline> logger, int connections = DefaultConnections)
    {
        _logger = logger;
        _connections = connections;
        if (target.Provider == DatabaseProvider.PostgreSql && connections > 0)
        {
            var builder = new NpgsqlDataSourceBuilder(target.ConnectionString);
            // Every statement of the push cycle finds its rows by key, or the latest one before a key. Auto-prepared
            // statements get a generic plan after five runs, and on a new database that plan is made on near-empty
            // tables, where a sequential scan looks cheapest; it then stays until auto-analyze while the churned
            // tables grow dead rows. A bitmap scan, chosen for retention's "latest authenticated before N-1", reads
            // every index entry of the agent, dead ones included, where a backward index scan stops at the first
            // match. Either cost 0.5-0.8 ms per verdict for whole benchmark runs. Plain index scans only.
            builder.UsePhysicalConnectionInitializer(
                connection => Configure(connection).ExecuteNonQuery(),
                async connection => await Configure(connection).ExecuteNonQueryAsync());
            _dataSource = builder.Build();
        }
    }

    private static NpgsqlCommand Configure(NpgsqlConnection connection) => new("SET enable_seqscan = off; SET enable_bitmapscan = off", connection);

    /// <summary>Round trips sent so far, and the requests they carried (tests and benchmarks read the ratio).</summary>
    public (long Groups, long Requests) Sent => (Interlocked.Read(ref _groups), Interlocked.Read(ref _grouped));

    /// <summary>The pipeline when it runs (PostgreSQL), else null: callers then use their context's connection.</summary>
    public SqlPipeline? For => _dataSource is null ? null : this;

    /// <summary>Runs the statements atomically and returns the rows each one affected.</summary>
    public async Task<int[]> ExecuteAsync(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken)
    {
        if (statements.Count == 0)
        {
            return [];
        }

        var work = new Work(statements, null, cancellationToken);
        return (int[])(await EnqueueAsync(work, cancellationToken))!;
    }

    /// <summary>Runs one query and returns what <paramref name="read"/> made of its rows.</summary>
    public Task<T> QueryAsync<T>(SqlStatement statement, Func<DbDataReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        QueryEachAsync([statement], read, cancellationToken);

    /// <summary>
    /// Runs statements that each return rows (queries, or writes with RETURNING), atomically, and returns what
    /// <paramref name="read"/> made of them: it starts on the first statement's result set and moves to each
    /// next one itself (<see cref="DbDataReader.NextResultAsync()"/>).
    /// </summary>
    public async Task<T> QueryEachAsync<T>(IReadOnlyList<SqlStatement> statements, Func<DbDataReader, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken)
    {
        var work = new Work(statements, async (reader, ct) => await read(reader, ct), cancellationToken);
        return (T)(await EnqueueAsync(work, cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (Sent is { Groups: > 0 } sent)
        {
            _logger.LogInformation("PostgreSQL round trips of the push cycle: {Groups} carried {Requests} requests", sent.Groups, sent.Requests);
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }

        while (_queue.Reader.TryRead(out var left))
        {
            left.Done.TrySetException(new ObjectDisposedException(nameof(SqlPipeline)));
        }

        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task<object?> EnqueueAsync(Work work, CancellationToken cancellationToken)
    {
        StartLoops();
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(work), this);

        // A caller that stops waiting before its group is sent is dropped; once sent, its statements run.
        return await work.Done.Task.WaitAsync(cancellationToken);
    }

    private void StartLoops()
    {
        if (_loops.Length > 0)
        {
            return;
        }

        lock (_startLock)
        {
            if (_loops.Length == 0)
            {
                _loops = [.. Enumerable.Range(0, _connections).Select(_ => Task.Run(() => LoopAsync(_stopping.Token)))];
            }
        }
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        NpgsqlConnection? connection = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stopping))
            {
                var group = Take();
                if (group.Count == 0)
                {
                    continue;
                }

                try
                {
                    connection = await ReadyAsync(connection, stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    group.ForEach(w => w.Done.TrySetException(e));
                    continue;
                }

                await RunAsync(connection, group, stopping);
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private List<Work> Take()
    {
        var group = new List<Work>();
        var statements = 0;
        while (statements < MaxStatements && _queue.Reader.TryRead(out var work))
        {
            if (work.Cancelled)
            {
                work.Done.TrySetCanceled(work.CancellationToken);
                continue;
            }

            statements += work.Statements.Count;
            group.Add(work);
        }

        return group;
    }

    private async Task<NpgsqlConnection> ReadyAsync(NpgsqlConnection? connection, CancellationToken stopping)
    {
        if (connection is { FullState: System.Data.ConnectionState.Open })
        {
            return connection;
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        return await _dataSource!.OpenConnectionAsync(stopping);
    }

    private async Task RunAsync(NpgsqlConnection connection, List<Work> group, CancellationToken stopping)
    {
        Interlocked.Increment(ref _groups);
        Interlocked.Add(ref _grouped, group.Count);
        try
        {
            await SendAsync(connection, group, stopping);
            group.ForEach(w => w.Done.TrySetResult(w.Result));
            return;
        }
        catch (Exception e) when (group.Count == 1 || connection.FullState != System.Data.ConnectionState.Open)
        {
            // Alone, the failure is this request's own; a broken connection fails the whole group as it
            // would have failed each request on its own connection.
            group.ForEach(w => w.Done.TrySetException(e));
            return;
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "A group of {Count} requests failed; running each alone", group.Count);
        }

        foreach (var work in group)
        {
            try
            {
                await SendAsync(connection, [work], stopping);
                work.Done.TrySetResult(work.Result);
            }
            catch (Exception e)
            {
                work.Done.TrySetException(e);
            }
        }
    }

    // One batch for the whole group; queries read their own result set, in order, when it comes (statements
    // without rows produce none), and the results are handed out only once the batch has committed.
    private static async Task SendAsync(NpgsqlConnection connection, List<Work> group, CancellationToken stopping)
    {
        await using var batch = connection.CreateBatch();
        SqlBatch.Add(batch, group.SelectMany(w => w.Statements));

        if (group.Exists(w => w.Read is not null))
        {
            await using var reader = await batch.ExecuteReaderAsync(stopping);
            var first = true;
            foreach (var work in group.Where(w => w.Read is not null))
            {
                if (!first && !await reader.NextResultAsync(stopping))
                {
                    throw new InvalidOperationException("a grouped query returned no result set");
                }

                first = false;
                work.Result = await work.Read!(reader, stopping);
            }

            while (await reader.NextResultAsync(stopping))
            {
            }
        }
        else
        {
            await batch.ExecuteNonQueryAsync(stopping);
        }

        var position = 0;
        foreach (var work in group)
        {
            if (work.Read is null)
            {
                var affected = new int[work.Statements.Count];
                for (var i = 0; i < affected.Length; i++)
                {
                    affected[i] = batch.BatchCommands[position + i].RecordsAffected;
                }

                work.Result = affected;
            }

            position += work.Statements.Count;
        }
    }

    private sealed class Work(IReadOnlyList<SqlStatement> statements, Func<DbDataReader, CancellationToken, Task<object?>>? read,
        CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;

        public bool Cancelled => CancellationToken.IsCancellationRequested;

        public IReadOnlyList<SqlStatement> Statements { get; } = statements;

        public Func<DbDataReader, CancellationToken, Task<object?>>? Read { get; } = read;

        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public object? Result { get; set; }
    }
}
