using Keylime.Shared.Configuration;
using Keylime.Shared.Storage;

namespace Keylime.Registrar.Storage;

/// <summary>Database wiring: <c>database_url</c> → provider context, migrations at start when <c>auto_migrate_db</c>.</summary>
public static class RegistrarDatabase
{
    public static IServiceCollection AddRegistrarDatabase(this IServiceCollection services, RegistrarOptions options) =>
        services.AddKeylimeDbContext<RegistrarDbContext, SqliteRegistrarDbContext, PostgresRegistrarDbContext>(DatabaseUrl.ForRegistrar(options));

    public static async Task MigrateRegistrarDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<RegistrarOptions>();
        await KeylimeDatabase.MigrateAsync<RegistrarDbContext>(app.Services, options.AutoMigrateDb, app.Logger);
    }
}
