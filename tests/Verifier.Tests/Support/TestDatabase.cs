using Keylime.Shared.Configuration;
using Keylime.TestSupport;
using Keylime.Verifier.Data;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Keylime.Verifier.Tests.Support;

/// <summary>
/// A fresh verifier database on a real provider: a SQLite file in a temp <c>KEYLIME_DIR</c>, or a
/// uniquely named database on the test PostgreSQL (<c>KEYLIME_TEST_POSTGRES</c>), migrated like at start.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgresql";

    private readonly string? _postgresAdminUrl;
    private readonly string? _postgresName;

    private TestDatabase(string keylimeDir, string databaseUrl, string? postgresAdminUrl, string? postgresName)
    {
        KeylimeDir = keylimeDir;
        DatabaseUrl = databaseUrl;
        _postgresAdminUrl = postgresAdminUrl;
        _postgresName = postgresName;
    }

    public string KeylimeDir { get; }

    /// <summary>The Keylime <c>database_url</c> that selects this database.</summary>
    public string DatabaseUrl { get; }

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        var dir = Directory.CreateTempSubdirectory("keylime-verifier-test.").FullName;
        if (provider == Sqlite)
        {
            return new TestDatabase(dir, "sqlite", null, null);
        }

        var adminUrl = Prerequisites.PostgresConnectionString();
        var name = "verifier_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(NpgsqlFromUrl(adminUrl)))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var uri = new Uri(adminUrl);
        var url = $"{uri.Scheme}://{uri.UserInfo}@{uri.Host}:{uri.Port}/{name}";
        return new TestDatabase(dir, url, adminUrl, name);
    }

    /// <summary>Options as the shared verifier.conf gives them, pointed at this database and work dir.</summary>
    public VerifierOptions Options(VerifierOptions? baseOptions = null) =>
        (baseOptions ?? new VerifierOptions { Mode = VerifierMode.Push }) with { DatabaseUrl = DatabaseUrl, KeylimeDir = KeylimeDir };

    /// <summary>The verifier's services (no hosting) on this database, migrated.</summary>
    public async Task<ServiceProvider> ServicesAsync(VerifierOptions? options = null)
    {
        var resolved = Options(options);
        var services = new ServiceCollection().AddLogging().AddVerifier(resolved).BuildServiceProvider();
        await VerifierStartup.PrepareAsync(services, resolved, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        return services;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_postgresAdminUrl is not null)
        {
            await using var connection = new NpgsqlConnection(NpgsqlFromUrl(_postgresAdminUrl));
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        try
        {
            Directory.Delete(KeylimeDir, recursive: true);
        }
        catch (IOException)
        {
            // A server still closing its SQLite file: the temp dir is left behind, harmless.
        }
    }

    private static string NpgsqlFromUrl(string url)
    {
        var uri = new Uri(url);
        var credentials = uri.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port,
            Username = Uri.UnescapeDataString(credentials[0]),
            Password = credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : null,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres",
            Pooling = false,
        }.ToString();
    }
}
