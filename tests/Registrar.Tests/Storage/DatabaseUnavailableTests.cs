using System.Text.Json;
using Keylime.Registrar.Tests.Support;
using Keylime.TestSupport;
using Npgsql;

namespace Keylime.Registrar.Tests.Storage;

/// <summary>
/// A registrar whose PostgreSQL stops taking its connections answers 503 with Retry-After in Keylime's
/// envelope, not a bare 500, and serves again once the database does. The failure is a real one: the
/// registrar's own role gets a connection limit of 0 and its sessions are terminated.
/// </summary>
public sealed class DatabaseUnavailableTests
{
    [Fact]
    public async Task A_database_that_refuses_the_registrar_is_a_503_with_Retry_After_and_the_registrar_recovers()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var (role, database) = ($"reg_role_{suffix}", $"reg_db_{suffix}");
        var adminUrl = new Uri(Prerequisites.PostgresConnectionString());
        await AdminAsync($"CREATE ROLE {role} LOGIN PASSWORD 'secret'", $"CREATE DATABASE {database} OWNER {role}");
        try
        {
            using var registrar = RegistrarProcess.Start(DatabaseKind.Sqlite, new Dictionary<string, string>
            {
                ["KEYLIME_REGISTRAR_DATABASE_URL"] = $"postgresql://{role}:secret@{adminUrl.Host}:{adminUrl.Port}/{database}",
            });
            Assert.Equal(200, (await registrar.Admin.Get("/v2.6/agents/")).Code);

            await AdminAsync($"ALTER ROLE {role} CONNECTION LIMIT 0", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'");

            using (var response = await registrar.Admin.GetAsync("/v2.6/agents/"))
            {
                Assert.Equal(503, (int)response.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal(503, body.RootElement.GetProperty("code").GetInt32());
                Assert.Equal("the registrar's database is unavailable; retry later", body.RootElement.GetProperty("status").GetString());
                Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("results").ValueKind);
            }

            using var agent = SharedKeys.NewAgent();
            Assert.Equal(503, (await registrar.Http.Post($"/v2.6/agents/{AgentFlow.NewId()}", AgentFlow.Body(agent))).Code);

            await AdminAsync($"ALTER ROLE {role} CONNECTION LIMIT -1");
            Assert.Equal(200, (await registrar.Admin.Get("/v2.6/agents/")).Code);
            Assert.DoesNotContain("Unhandled", registrar.Log, StringComparison.Ordinal);
        }
        finally
        {
            await AdminAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", $"DROP ROLE IF EXISTS {role}");
        }
    }

    private static async Task AdminAsync(params string[] statements)
    {
        var url = new Uri(Prerequisites.PostgresConnectionString());
        var user = url.UserInfo.Split(':');
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = url.Host, Port = url.Port, Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            Database = url.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres", Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
