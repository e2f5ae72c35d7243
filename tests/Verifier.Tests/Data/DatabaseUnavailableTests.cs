using System.Text.Json;
using Keylime.TestSupport;
using Keylime.Verifier.Data;
using Keylime.Verifier.Identity;
using Keylime.Verifier.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Keylime.Verifier.Tests.Data;

/// <summary>
/// A database that cannot be reached or stays locked is a 503 with Retry-After and a JSON:API error, never
/// a bare 500; a failing statement, or a failure after the response started, is not hidden by it. The
/// failures are real ones: a PostgreSQL connection to a port nothing listens on, a SQLite file another
/// connection holds locked.
/// </summary>
public sealed class DatabaseUnavailableTests
{
    [Fact]
    public async Task An_unreachable_PostgreSQL_is_a_503_with_Retry_After_and_a_JSON_API_error()
    {
        var context = await RunAsync(async () =>
        {
            await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={FreePort.Next()};Username=keylime;Timeout=5");
            await connection.OpenAsync();
        });

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
        using var body = JsonDocument.Parse(((MemoryStream)context.Response.Body).ToArray());
        var error = body.RootElement.GetProperty("errors")[0];
        Assert.Equal("503", error.GetProperty("status").GetString());
        Assert.Contains("database is unavailable", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_verifier_answers_503_when_its_database_fails_during_token_validation()
    {
        // The real verifier app; its token validator meets a PostgreSQL that does not answer.
        await using var server = await VerifierServer.StartAsync(configureServices: services =>
            services.AddSingleton<IAgentTokenValidator, UnreachableDatabaseValidator>());
        using var agent = server.Bearer("0123456789abcdef.0123456789abcdef");

        using var response = await agent.GetAsync("v3.0/agents/a1/attestations");

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("database is unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_SQLite_database_still_locked_after_its_busy_timeout_is_a_503()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("keylime-db-unavailable.").FullName, "locked.sqlite");
        await using var holder = new SqliteConnection($"Data Source={file};Pooling=False");
        await holder.OpenAsync();
        await using (var create = new SqliteCommand("CREATE TABLE t (x integer); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);", holder))
        {
            await create.ExecuteNonQueryAsync();
        }

        var context = await RunAsync(async () =>
        {
            await using var writer = new SqliteConnection($"Data Source={file};Pooling=False;Default Timeout=1");
            await writer.OpenAsync();
            await using var insert = new SqliteCommand("INSERT INTO t VALUES (2)", writer) { CommandTimeout = 1 };
            await insert.ExecuteNonQueryAsync();
        });

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
        await holder.CloseAsync();
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }

    [Fact]
    public async Task A_failing_statement_or_a_failure_after_the_response_started_is_not_turned_into_a_503()
    {
        var constraint = await Assert.ThrowsAsync<SqliteException>(() => RunAsync(async () =>
        {
            await using var connection = new SqliteConnection("Data Source=:memory:");
            await connection.OpenAsync();
            await using var insert = new SqliteCommand("CREATE TABLE t (x integer PRIMARY KEY); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1);", connection);
            await insert.ExecuteNonQueryAsync();
        }));
        Assert.Equal(19, constraint.SqliteErrorCode); // SQLITE_CONSTRAINT: the statement's own failure

        Assert.False(Keylime.Shared.Storage.DatabaseFailures.IsUnavailable(new InvalidOperationException("no database involved")));
        var started = new DefaultHttpContext();
        started.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>(new StartedResponse());
        var middleware = new DatabaseUnavailable(_ => throw new NpgsqlException("broken", new IOException("reset")), NullLogger<DatabaseUnavailable>.Instance);
        await Assert.ThrowsAsync<NpgsqlException>(() => middleware.InvokeAsync(started));
    }

    private static async Task<HttpContext> RunAsync(Func<Task> handler)
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        var middleware = new DatabaseUnavailable(_ => handler(), NullLogger<DatabaseUnavailable>.Instance);
        await middleware.InvokeAsync(context);
        return context;
    }

    private sealed class UnreachableDatabaseValidator : IAgentTokenValidator
    {
        public async ValueTask<TokenVerdict> ValidateAsync(string token, CancellationToken cancellationToken)
        {
            await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={FreePort.Next()};Username=keylime;Timeout=5");
            await connection.OpenAsync(cancellationToken);
            throw new InvalidOperationException("unreachable: nothing listens on that port");
        }
    }

    private sealed class StartedResponse : Microsoft.AspNetCore.Http.Features.HttpResponseFeature
    {
        public override bool HasStarted => true;
    }
}
