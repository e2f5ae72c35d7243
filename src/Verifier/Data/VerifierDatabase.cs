using Keylime.Shared.Configuration;
using Keylime.Shared.Storage;

namespace Keylime.Verifier.Data;

/// <summary>The verifier's database on the provider <c>database_url</c> names (Keylime.Shared.Storage).</summary>
public static class VerifierDatabase
{
    public static IServiceCollection AddVerifierDatabase(this IServiceCollection services, VerifierOptions options) =>
        services.AddKeylimeDbContext<VerifierDbContext, SqliteVerifierDbContext, PostgresVerifierDbContext>(DatabaseUrl.ForVerifier(options))
            .AddSingleton(sp => new SqlPipeline(sp.GetRequiredService<DatabaseTarget>(), sp.GetRequiredService<ILogger<SqlPipeline>>()))
            .AddScoped<VerifierSql>();

    /// <summary>Applies pending migrations when <c>auto_migrate_db</c> is on (Keylime's default).</summary>
    public static Task<IReadOnlyList<string>> MigrateVerifierDatabaseAsync(
        this IServiceProvider services, VerifierOptions options, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        KeylimeDatabase.MigrateAsync<VerifierDbContext>(services, options.AutoMigrateDb, logger, cancellationToken);
}
