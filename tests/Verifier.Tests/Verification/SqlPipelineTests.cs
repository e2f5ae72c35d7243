using Keylime.Shared.Storage;
using Keylime.Verifier.Data;
using Keylime.Verifier.Verification;
using Keylime.Verifier.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Keylime.Verifier.Tests.Verification;

/// <summary>
/// The PostgreSQL round-trip pipeline of the push cycle: requests queued together travel as one batch,
/// each still gets exactly its own rows affected, its own result set and its own failure, and a
/// verdict's follow-ups depend on its own completion even when several verdicts share the transaction. On a real PostgreSQL; one
/// connection, held busy by a sleeping query, so that the requests queued meanwhile form one group.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "disposed by IAsyncLifetime.DisposeAsync")]
public sealed class SqlPipelineTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private SqlPipeline _pipeline = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        _pipeline = new SqlPipeline(Target, NullLogger<SqlPipeline>.Instance, connections: 1);
        await _pipeline.ExecuteAsync([new("CREATE TABLE probe (id integer PRIMARY KEY, note text, tx bigint)")], default);
    }

    public async Task DisposeAsync()
    {
        await _pipeline.DisposeAsync();
        await _database.DisposeAsync();
    }

    private DatabaseTarget Target => DatabaseUrl.ForVerifier(_database.Options());

    [Fact]
    public async Task Requests_queued_together_share_one_round_trip_and_each_gets_its_own_rows_affected()
    {
        var start = _pipeline.Sent;
        var busy = await HoldTheConnectionAsync();
        var inserts = Enumerable.Range(1, 20).Select(i => _pipeline.ExecuteAsync(
            [new("INSERT INTO probe (id, note, tx) VALUES ($1, $2, txid_current())", i, $"n{i}"),
             new("UPDATE probe SET note = $1 WHERE id = $2 AND note = $3", $"m{i}", i, i % 2 == 0 ? $"n{i}" : "other")],
            default)).ToList();
        await busy;

        var affected = await Task.WhenAll(inserts);
        for (var i = 0; i < affected.Length; i++)
        {
            Assert.Equal([1, (i + 1) % 2 == 0 ? 1 : 0], affected[i]);
        }

        Assert.Equal((start.Groups + 2, start.Requests + 21), _pipeline.Sent); // the sleeping query, then all 20 requests in one round trip
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(DISTINCT tx) FROM probe"));
        Assert.Equal(10, await ScalarAsync<long>("SELECT count(*) FROM probe WHERE note LIKE 'm%'"));
    }

    [Fact]
    public async Task A_request_that_fails_in_a_group_fails_alone_and_the_others_are_committed()
    {
        await _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note) VALUES (7, 'existing')")], default);
        var busy = await HoldTheConnectionAsync();
        var before = _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note) VALUES (1, 'before')")], default);
        var duplicate = _pipeline.ExecuteAsync(
            [new("INSERT INTO probe (id, note) VALUES (8, 'same batch as the duplicate')"), new("INSERT INTO probe (id, note) VALUES (7, 'duplicate')")],
            default);
        var after = _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note) VALUES (2, 'after')")], default);
        await busy;

        Assert.Equal(new[] { 1 }, await before);
        Assert.Equal(new[] { 1 }, await after);
        var failure = await Assert.ThrowsAsync<PostgresException>(() => duplicate);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, failure.SqlState);
        // The failing request is all or nothing; nobody else's statements were lost with it.
        Assert.Equal("1,2,7", await ScalarAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id) FROM probe"));
    }

    [Fact]
    public async Task Queries_in_a_group_read_their_own_result_sets_between_the_writes()
    {
        await _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note) VALUES (1, 'one'), (2, 'two')")], default);
        var start = _pipeline.Sent;
        var busy = await HoldTheConnectionAsync();
        var write = _pipeline.ExecuteAsync([new("UPDATE probe SET note = 'uno' WHERE id = 1")], default);
        var first = _pipeline.QueryAsync(new("SELECT note FROM probe WHERE id = $1", 1), ReadNotesAsync, default);
        var none = _pipeline.QueryAsync(new("SELECT note FROM probe WHERE id = $1", 99), ReadNotesAsync, default);
        var insert = _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note) VALUES (3, 'three')")], default);
        var all = _pipeline.QueryAsync(new("SELECT note FROM probe ORDER BY id"), ReadNotesAsync, default);
        await busy;

        Assert.Equal(new[] { 1 }, await write);
        Assert.Equal(["uno"], await first); // sees the write queued before it
        Assert.Empty(await none);
        Assert.Equal(new[] { 1 }, await insert);
        Assert.Equal(["uno", "two", "three"], await all);
        Assert.Equal((start.Groups + 2, start.Requests + 6), _pipeline.Sent);
    }

    [Fact]
    public async Task A_verdict_as_one_statement_applies_its_follow_ups_only_if_its_own_completion_took_effect_in_a_shared_transaction()
    {
        await _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note, tx) VALUES (1, 'evaluating', 0), (2, 'evaluating', 0), (101, 'a', 0), (102, 'a', 0), (201, 'b', 0), (202, 'b', 0)")], default);
        var start = _pipeline.Sent;
        var busy = await HoldTheConnectionAsync();
        // Three verdicts of row 1 and one of row 2 in one group; each verdict's main statement and other step count
        // on rows 10x and 20x (each step its own row, as in a real verdict), their placeholders after the completion's.
        var verdicts = new[] { 1, 1, 2, 1 }.Select(id => _pipeline.ExecuteAsync(
        [
            VerdictStatements.AsOne(new SqlStatement("UPDATE probe SET note = $1 WHERE id = $2 AND note = $3", "complete", id, "evaluating"),
                new SqlStatement("UPDATE probe SET tx = tx + $1 WHERE id = $2", 1, 100 + id),
                [new SqlStatement("UPDATE probe SET tx = tx + $1 WHERE id = $2", 10, 200 + id)]),
        ], default)).ToList();
        // A query queued behind them still reads its own result set: the verdicts return none.
        var read = _pipeline.QueryAsync(new SqlStatement("SELECT count(*) FROM probe WHERE note = $1", "complete"),
            async (reader, ct) => await reader.ReadAsync(ct) ? reader.GetInt64(0) : -1, default);
        await busy;
        var affected = await Task.WhenAll(verdicts);

        Assert.Equal((start.Groups + 2, start.Requests + 6), _pipeline.Sent);
        Assert.Equal([1, 0, 1, 0], affected.Select(rows => rows.Single()));
        Assert.Equal(2, await read);
        Assert.Equal("1:complete:0,2:complete:0,101:a:1,102:a:1,201:b:10,202:b:10",
            await ScalarAsync<string>("SELECT string_agg(id || ':' || note || ':' || tx, ',' ORDER BY id) FROM probe"));
    }

    [Fact]
    public async Task A_request_of_several_row_returning_statements_reads_exactly_its_own_result_sets_in_a_group()
    {
        await _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note) VALUES (1, 'one'), (2, 'two')")], default);
        var busy = await HoldTheConnectionAsync();
        var write = _pipeline.ExecuteAsync([new("UPDATE probe SET note = 'uno' WHERE id = 1")], default);
        var each = _pipeline.QueryEachAsync(
            [
                new SqlStatement("UPDATE probe SET tx = 7 WHERE id = $1 RETURNING note", 2),
                new SqlStatement("UPDATE probe SET tx = 8 WHERE id = $1 RETURNING note", 99), // no row, still a result set
                new SqlStatement("SELECT note FROM probe WHERE id = $1", 1),
            ],
            async (reader, ct) =>
            {
                var notes = new List<string?>();
                for (var i = 0; i < 3; i++)
                {
                    Assert.True(i == 0 || await reader.NextResultAsync(ct));
                    notes.Add(await reader.ReadAsync(ct) ? reader.GetString(0) : null);
                }

                return notes;
            }, default);
        var after = _pipeline.QueryAsync(new SqlStatement("SELECT count(*) FROM probe WHERE tx = $1", 7L),
            async (reader, ct) => await reader.ReadAsync(ct) ? reader.GetInt64(0) : -1, default);
        await busy;

        Assert.Equal(new[] { 1 }, await write);
        Assert.Equal(["two", null, "uno"], await each);
        Assert.Equal(1, await after);
    }

    [Fact]
    public async Task The_pipeline_plans_key_lookups_as_plain_index_scans_even_on_a_near_empty_table()
    {
        await _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note) VALUES (1, 'one')"), new("ANALYZE probe")], default);

        var plan = await _pipeline.QueryAsync(new SqlStatement("EXPLAIN SELECT note FROM probe WHERE id = $1", 1),
            async (reader, ct) => await reader.ReadAsync(ct) ? reader.GetString(0) : "", default);

        Assert.Contains("Index Scan", plan, StringComparison.Ordinal);
        // Nor a bitmap scan, which would read every index entry of a range where a backward index scan stops at the first match.
        Assert.Equal("off", await _pipeline.QueryAsync(new SqlStatement("SHOW enable_bitmapscan"),
            async (reader, ct) => await reader.ReadAsync(ct) ? reader.GetString(0) : "", default));
    }

    [Fact]
    public async Task Without_the_pipeline_several_row_returning_statements_still_run_as_one_batch()
    {
        await _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note) VALUES (1, 'one'), (2, 'two')")], default);
        // A context made by hand (a tool, a test) has no pipeline: SqlBatch sends the batch on its own connection.
        await using var db = new PostgresVerifierDbContext(
            new DbContextOptionsBuilder<PostgresVerifierDbContext>().UseNpgsql(Target.ConnectionString).Options);

        var notes = await SqlBatch.QueryEachAsync(db,
            [
                new SqlStatement("UPDATE probe SET tx = 7 WHERE id = $1 RETURNING note", 2),
                new SqlStatement("UPDATE probe SET tx = 8 WHERE id = $1 RETURNING note", 99),
            ],
            async (reader, ct) =>
            {
                var first = await reader.ReadAsync(ct) ? reader.GetString(0) : null;
                Assert.True(await reader.NextResultAsync(ct));
                return (first, await reader.ReadAsync(ct) ? reader.GetString(0) : null);
            }, default);

        Assert.Null(((ISqlTarget)db).Pipeline);
        Assert.Equal(("two", (string?)null), notes);
        Assert.Equal(7, await ScalarAsync<long>("SELECT tx FROM probe WHERE id = 2"));
    }

    [Fact]
    public void A_verdicts_later_steps_have_their_placeholders_moved_past_the_earlier_ones_multi_digit_included()
    {
        var completion = new SqlStatement("UPDATE a SET x = $1 WHERE k = $2", 1, 2);
        var agent = new SqlStatement("UPDATE c SET y = $1, z = $10 WHERE k = $2", Enumerable.Range(0, 10).Cast<object?>().ToArray());
        var retention = new SqlStatement("DELETE FROM b WHERE k = $1 AND i = $2 AND j = $1", 3, 4);

        var one = VerdictStatements.AsOne(completion, agent, [retention], " RETURNING 1");

        Assert.Equal(
            "WITH done AS (UPDATE a SET x = $1 WHERE k = $2 RETURNING 1), step0 AS (DELETE FROM b WHERE k = $3 AND i = $4 AND j = $3"
            + " AND EXISTS (SELECT 1 FROM done)) UPDATE c SET y = $5, z = $14 WHERE k = $6 AND EXISTS (SELECT 1 FROM done) RETURNING 1",
            one.Sql);
        Assert.Equal(14, one.Args.Length);
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_before_its_group_is_sent_is_dropped_and_the_pipeline_goes_on()
    {
        var busy = await HoldTheConnectionAsync();
        using var cancel = new CancellationTokenSource();
        var abandoned = _pipeline.ExecuteAsync([new("INSERT INTO probe (id) VALUES (1)")], cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await busy;

        Assert.Equal(new[] { 1 }, await _pipeline.ExecuteAsync([new("INSERT INTO probe (id) VALUES (2)")], default));
        Assert.Equal("2", await ScalarAsync<string>("SELECT string_agg(id::text, ',') FROM probe"));
    }

    [Fact]
    public async Task A_group_carries_at_most_MaxStatements_statements()
    {
        var start = _pipeline.Sent;
        var busy = await HoldTheConnectionAsync();
        var count = SqlPipeline.MaxStatements + 10;
        var inserts = Enumerable.Range(1, count).Select(i => _pipeline.ExecuteAsync(
            [new("INSERT INTO probe (id, tx) VALUES ($1, txid_current())", i)], default)).ToList();
        await busy;
        await Task.WhenAll(inserts);

        Assert.Equal((start.Groups + 3, start.Requests + 1 + count), _pipeline.Sent);
        Assert.Equal(2, await ScalarAsync<long>("SELECT count(DISTINCT tx) FROM probe"));
    }

    [Fact]
    public async Task Disposing_fails_what_is_still_queued_and_refuses_new_requests()
    {
        var busy = await HoldTheConnectionAsync();
        var queued = _pipeline.ExecuteAsync([new("INSERT INTO probe (id) VALUES (1)")], default);
        await _pipeline.DisposeAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => busy);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => queued);
        Assert.True(failure is ObjectDisposedException or OperationCanceledException, failure.GetType().Name);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => _pipeline.ExecuteAsync([new("SELECT 1")], default));
        await _pipeline.DisposeAsync(); // twice is harmless
    }

    [Fact]
    public async Task A_connection_the_server_dropped_is_replaced_for_the_next_request()
    {
        await _pipeline.ExecuteAsync([new("INSERT INTO probe (id) VALUES (1)")], default);
        await using (var admin = new NpgsqlConnection(Target.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", admin);
            Assert.Equal(1L, await kill.ExecuteScalarAsync()); // the pipeline's one connection
        }

        // The request that meets the dropped connection fails as it would on a dead pooled connection
        // (whether its statements ran is unknown to it); the next one gets a new connection.
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => _pipeline.ExecuteAsync([new("INSERT INTO probe (id) VALUES (2)")], default));
        Assert.Equal(new[] { 1 }, await _pipeline.ExecuteAsync([new("INSERT INTO probe (id) VALUES (3)")], default));
        Assert.Equal("1,3", await ScalarAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id) FROM probe"));
    }

    [Fact]
    public async Task The_verifier_sends_its_push_cycle_through_the_pipeline_on_PostgreSQL_and_not_on_SQLite()
    {
        await using var postgres = await _database.ServicesAsync();
        Assert.NotNull(postgres.GetRequiredService<SqlPipeline>().For);
        await using (var scope = postgres.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
            Assert.Equal(0, await SqlBatch.QueryAsync(db, new("SELECT count(*) FROM agents"), async (r, ct) =>
                await r.ReadAsync(ct) ? r.GetInt64(0) : -1, default));
        }

        Assert.Equal(1, postgres.GetRequiredService<SqlPipeline>().Sent.Groups);

        await using var sqliteDatabase = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using var sqlite = await sqliteDatabase.ServicesAsync();
        Assert.Null(sqlite.GetRequiredService<SqlPipeline>().For);
    }

    // The pipeline's only connection runs a sleeping query; returns once it is under way.
    private async Task<Task> HoldTheConnectionAsync()
    {
        var groups = _pipeline.Sent.Groups;
        var sleep = _pipeline.QueryAsync(new("SELECT pg_sleep(1)"), (_, _) => Task.FromResult(0), default);
        while (_pipeline.Sent.Groups == groups)
        {
            await Task.Delay(5);
        }

        await Task.Delay(50);
        return sleep;
    }

    private static async Task<List<string>> ReadNotesAsync(System.Data.Common.DbDataReader reader, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            notes.Add(reader.GetString(0));
        }

        return notes;
    }

    private Task<T> ScalarAsync<T>(string sql) =>
        _pipeline.QueryAsync(new SqlStatement(sql), async (r, ct) => await r.ReadAsync(ct) ? r.GetFieldValue<T>(0) : default!, default);

    [Fact]
    public async Task A_request_on_the_pipeline_leases_no_EF_context()
    {
        await _pipeline.ExecuteAsync([new("INSERT INTO probe (id, note) VALUES (1, 'x')")], default);
        var sql = new VerifierSql(new NoContexts(), _pipeline);

        var note = await SqlBatch.QueryAsync(sql, new SqlStatement("SELECT note FROM probe WHERE id = $1", 1),
            async (reader, ct) => await reader.ReadAsync(ct) ? reader.GetString(0) : null, default);
        var updated = await SqlBatch.ExecuteAsync(sql, [new("UPDATE probe SET note = $1 WHERE id = $2", "y", 1)], default);

        Assert.Equal("x", note);
        Assert.Equal(new[] { 1 }, updated);
        Assert.Throws<InvalidOperationException>(() => sql.Context); // what a lease would have hit
    }

    /// <summary>A request scope in which resolving the EF context fails the test.</summary>
    private sealed class NoContexts : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            throw new InvalidOperationException($"{serviceType.Name} was resolved");
    }
}
