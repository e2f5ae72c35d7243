using Keylime.Shared.Storage;
using Keylime.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Keylime.Shared.Tests.Storage;

/// <summary>One DbContext, two providers, migrations applied at start (auto_migrate_db).</summary>
public sealed class DatabaseRoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("keylime-db-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static ServiceProvider Services(DatabaseTarget target) =>
        new ServiceCollection()
            .AddKeylimeDbContext<WidgetDbContext, SqliteWidgetDbContext, PostgresWidgetDbContext>(target)
            .BuildServiceProvider();

    private static async Task RoundTrip(ServiceProvider services)
    {
        var applied = await KeylimeDatabase.MigrateAsync<WidgetDbContext>(services, autoMigrate: true);
        Assert.Equal(["Initial"], applied.Select(m => m[(m.IndexOf('_') + 1)..]));

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WidgetDbContext>();
            db.Widgets.Add(new Widget { AgentId = "agent-1", Payload = "{\"a\":1}", UpdatedAt = 42 });
            await db.SaveChangesAsync();
        }

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WidgetDbContext>();
            var updated = await db.Widgets.Where(w => w.AgentId == "agent-1").ExecuteUpdateAsync(s => s.SetProperty(w => w.UpdatedAt, 43));
            var row = await db.Widgets.AsNoTracking().SingleAsync(w => w.AgentId == "agent-1");
            Assert.Equal(1, updated);
            Assert.Equal(("{\"a\":1}", 43L), (row.Payload, row.UpdatedAt));
        }

        Assert.Empty(await KeylimeDatabase.MigrateAsync<WidgetDbContext>(services, autoMigrate: true)); // second start: nothing to do
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Entity_round_trips_on_sqlite_with_its_migration_applied()
    {
        var target = DatabaseUrl.Parse("sqlite", Path.Combine(_dir, "kl"), DatabaseUrl.VerifierSqliteFile);
        await using var services = Services(target);

        await RoundTrip(services);

        Assert.True(File.Exists(Path.Combine(_dir, "kl", "cv_data.sqlite")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_dir, "kl")));
    }

    [Fact]
    public async Task Entity_round_trips_on_postgresql_with_its_migration_applied()
    {
        var admin = DatabaseUrl.Parse(Prerequisites.PostgresConnectionString(), _dir, "unused");
        var name = "keylime_test_" + Guid.NewGuid().ToString("N");
        var target = admin with { ConnectionString = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = name }.ConnectionString };
        try
        {
            await using var services = Services(target);
            await RoundTrip(services);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(admin.ConnectionString);
            await conn.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Sqlite_runs_in_wal_mode()
    {
        await using var services = Services(DatabaseUrl.Parse("sqlite", _dir, "wal.sqlite"));
        await KeylimeDatabase.MigrateAsync<WidgetDbContext>(services, autoMigrate: true);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WidgetDbContext>();

        var mode = await db.Database.SqlQueryRaw<string>("PRAGMA journal_mode").ToListAsync();

        Assert.Equal("wal", mode.Single());
    }

    [Fact]
    public async Task Sqlite_connection_settings_hold_on_every_pooled_open()
    {
        await using var services = Services(DatabaseUrl.Parse("sqlite", _dir, "pooled.sqlite"));
        await KeylimeDatabase.MigrateAsync<WidgetDbContext>(services, autoMigrate: true);

        // The pragmas are sent once per native connection; every later logical open must still see them.
        for (var open = 0; open < 5; open++)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WidgetDbContext>();
            await db.Database.OpenConnectionAsync();
            var synchronous = await db.Database.SqlQueryRaw<long>("PRAGMA synchronous").ToListAsync();
            var busyTimeout = await db.Database.SqlQueryRaw<long>("PRAGMA busy_timeout").ToListAsync();
            var foreignKeys = await db.Database.SqlQueryRaw<long>("PRAGMA foreign_keys").ToListAsync();
            await db.Database.CloseConnectionAsync();

            Assert.Equal(1, synchronous.Single()); // NORMAL
            Assert.Equal(DatabaseTarget.SqliteBusyTimeoutSeconds * 1000, busyTimeout.Single());
            Assert.Equal(1, foreignKeys.Single());
        }
    }

    [Fact]
    public async Task Concurrent_sqlite_writers_never_fail_with_database_is_locked()
    {
        await using var services = Services(DatabaseUrl.Parse("sqlite", _dir, "busy.sqlite"));
        await KeylimeDatabase.MigrateAsync<WidgetDbContext>(services, autoMigrate: true);

        // Separate tasks, separate contexts and connections, all writing at once.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < 25; i++)
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<WidgetDbContext>();
                db.Widgets.Add(new Widget { AgentId = $"a-{t}-{i}", UpdatedAt = i });
                await db.SaveChangesAsync();
                await db.Widgets.Where(w => w.AgentId == $"a-{t}-{i}").ExecuteUpdateAsync(s => s.SetProperty(w => w.UpdatedAt, w => w.UpdatedAt + 1));
            }
        })));

        await using var check = services.CreateAsyncScope();
        Assert.Equal(400, await check.ServiceProvider.GetRequiredService<WidgetDbContext>().Widgets.CountAsync());
    }

    [Fact]
    public async Task Pending_migrations_are_left_alone_when_auto_migrate_db_is_off()
    {
        await using var services = Services(DatabaseUrl.Parse("sqlite", _dir, "off.sqlite"));

        Assert.Empty(await KeylimeDatabase.MigrateAsync<WidgetDbContext>(services, autoMigrate: false));

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WidgetDbContext>();
        Assert.Single(await db.Database.GetPendingMigrationsAsync());
    }
}
