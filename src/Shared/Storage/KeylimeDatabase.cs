using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keylime.Shared.Storage;

/// <summary>
/// EF Core wiring for a service's own DbContext. Each service declares one context class
/// <typeparamref name="TContext"/> and two thin subclasses, one per provider, that carry their
/// provider's migrations (see src/Shared/Storage/README.md). The subclass matching the
/// configured <c>database_url</c> is registered as <typeparamref name="TContext"/>.
/// </summary>
public static class KeylimeDatabase
{
    /// <summary>
    /// Points <paramref name="builder"/> at <paramref name="target"/> with the right provider,
    /// SQLite pragmas (WAL, busy timeout) and Npgsql's retry-free defaults.
    /// </summary>
    public static DbContextOptionsBuilder UseKeylimeDatabase(this DbContextOptionsBuilder builder, DatabaseTarget target)
    {
        switch (target.Provider)
        {
            case DatabaseProvider.Sqlite:
                EnsureSqliteDirectory(target.SqliteFile!);
                builder.UseSqlite(target.ConnectionString, o => o.CommandTimeout(DatabaseTarget.SqliteBusyTimeoutSeconds))
                    .AddInterceptors(SqlitePragmas.Instance);
                break;
            case DatabaseProvider.PostgreSql:
                builder.UseNpgsql(target.ConnectionString);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(target), target.Provider, "unknown database provider");
        }

        return builder;
    }

    /// <summary>
    /// Registers <typeparamref name="TContext"/> (pooled, scoped) implemented by
    /// <typeparamref name="TSqlite"/> or <typeparamref name="TPostgres"/> according to the provider.
    /// </summary>
    public static IServiceCollection AddKeylimeDbContext<TContext, TSqlite, TPostgres>(this IServiceCollection services, DatabaseTarget target)
        where TContext : DbContext
        where TSqlite : TContext
        where TPostgres : TContext
    {
        services.AddSingleton(target);
        return target.Provider == DatabaseProvider.Sqlite
            ? services.AddDbContextPool<TContext, TSqlite>(o => o.UseKeylimeDatabase(target))
            : services.AddDbContextPool<TContext, TPostgres>(o => o.UseKeylimeDatabase(target));
    }

    /// <summary>
    /// Applies pending migrations of <typeparamref name="TContext"/> when <paramref name="autoMigrate"/>
    /// (Keylime's <c>auto_migrate_db</c>, default true). EF Core takes a database lock while
    /// migrating, so several instances starting together on one PostgreSQL are safe.
    /// Returns the migrations applied.
    /// </summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync<TContext>(IServiceProvider services, bool autoMigrate, ILogger? logger = null, CancellationToken ct = default)
        where TContext : DbContext
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        return await MigrateAsync(db, autoMigrate, logger, ct);
    }

    /// <summary>As above, on a context instance (tests, tools).</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(DbContext db, bool autoMigrate, ILogger? logger = null, CancellationToken ct = default)
    {
        await using var quiet = WithFailedCommandsAtDebug(db);
        return await MigrateQuietlyAsync(quiet, autoMigrate, logger, ct);
    }

    /// <summary>
    /// A context like <paramref name="db"/> whose failed commands are logged at Debug instead of Error. On a
    /// PostgreSQL database that exists but is still empty (the usual first start), EF reads
    /// <c>__EFMigrationsHistory</c> before creating it and logs that failed SELECT as an error although
    /// nothing is wrong (npgsql/efcore.pg #3407, dotnet/efcore #37328). A migration that really fails still
    /// throws, and the service reports it and stops.
    /// </summary>
    private static DbContext WithFailedCommandsAtDebug(DbContext db)
    {
        var options = new DbContextOptionsBuilder((DbContextOptions)db.GetService<IDbContextOptions>())
            .ConfigureWarnings(w => w.Log((RelationalEventId.CommandError, LogLevel.Debug)))
            .Options;
        return (DbContext)Activator.CreateInstance(db.GetType(), options)!;
    }

    private static async Task<IReadOnlyList<string>> MigrateQuietlyAsync(DbContext db, bool autoMigrate, ILogger? logger, CancellationToken ct)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count == 0)
        {
            return [];
        }

        if (!autoMigrate)
        {
            logger?.LogWarning("auto_migrate_db is off and {Count} migrations are pending: {Migrations}", pending.Count, string.Join(", ", pending));
            return [];
        }

        logger?.LogInformation("Applying database migrations: {Migrations}", string.Join(", ", pending));
        await db.Database.MigrateAsync(ct);
        return pending;
    }

    // Keylime creates the database directory owner-only (0700).
    private static void EnsureSqliteDirectory(string file)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(file));
        if (dir is null || Directory.Exists(dir))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
