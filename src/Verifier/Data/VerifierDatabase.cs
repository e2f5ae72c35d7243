using Keylime.Shared.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Keylime.Verifier.Data;

/// <summary>
/// Registers <see cref="VerifierDbContext"/> on the provider <c>database_url</c> names and applies the
/// provider's migrations at start when <c>auto_migrate_db</c> is on.
/// </summary>
public static class VerifierDatabase
{
    private const string SqliteFileName = "cv_data.sqlite";

    public static IServiceCollection AddVerifierDatabase(this IServiceCollection services, VerifierOptions options)
    {
        var url = options.DatabaseUrl.Trim();
        if (url.StartsWith("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            var connection = PostgresConnectionString(url, options);
            services.AddDbContext<PostgresVerifierDbContext>(o => o.UseNpgsql(connection));
            services.AddScoped<VerifierDbContext>(sp => sp.GetRequiredService<PostgresVerifierDbContext>());
        }
        else
        {
            var connection = SqliteConnectionString(url, options.KeylimeDir);
            services.AddDbContext<SqliteVerifierDbContext>(o => o.UseSqlite(connection));
            services.AddScoped<VerifierDbContext>(sp => sp.GetRequiredService<SqliteVerifierDbContext>());
        }

        return services;
    }

    /// <summary>Creates or upgrades the schema (<c>auto_migrate_db</c>); SQLite is switched to WAL so readers don't block the writer.</summary>
    public static async Task MigrateVerifierDatabaseAsync(this IServiceProvider services, VerifierOptions options, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
        if (db.Database.IsSqlite())
        {
            var file = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir)
            {
                Directory.CreateDirectory(dir);
            }

            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            await db.Database.CloseConnectionAsync();
        }

        if (options.AutoMigrateDb)
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
    }

    private static string SqliteConnectionString(string url, string keylimeDir)
    {
        // Keylime: "sqlite" = $KEYLIME_DIR/cv_data.sqlite; "sqlite:///rel" and "sqlite:////abs" are SQLAlchemy URLs.
        var path = url == "sqlite" ? Path.Combine(keylimeDir, SqliteFileName)
            : url.StartsWith("sqlite:///", StringComparison.Ordinal) ? url["sqlite:///".Length..]
            : throw new KeylimeConfigException($"[verifier] database_url: unsupported '{url}' (expected sqlite or postgresql://...)");
        return new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30, Pooling = true }.ToString();
    }

    private static string PostgresConnectionString(string url, VerifierOptions options)
    {
        var uri = new Uri(url.Replace("postgresql+psycopg2://", "postgresql://", StringComparison.Ordinal));
        var credentials = uri.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Username = Uri.UnescapeDataString(credentials[0]),
            Password = credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : null,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres",
            MaxPoolSize = Math.Max(1, options.DatabasePoolSize + options.DatabaseMaxOverflow),
        }.ToString();
    }
}
