using Keylime.Registrar.Storage;
using Keylime.Shared.Storage;
using Keylime.TestSupport;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Keylime.Registrar.Tests.Support;

/// <summary>Direct database access for tests that check "nothing stored / state unchanged".</summary>
public static class TestDatabase
{
    /// <summary>A context on the same database the registrar process uses.</summary>
    public static RegistrarDbContext Open(RegistrarProcess registrar)
    {
        var target = DatabaseUrl.Parse(registrar.DatabaseUrl, registrar.Directory, DatabaseUrl.RegistrarSqliteFile);
        if (target.Provider == DatabaseProvider.Sqlite)
        {
            var options = new DbContextOptionsBuilder<SqliteRegistrarDbContext>();
            options.UseKeylimeDatabase(target);
            return new SqliteRegistrarDbContext(options.Options);
        }

        var pg = new DbContextOptionsBuilder<PostgresRegistrarDbContext>();
        pg.UseKeylimeDatabase(target);
        return new PostgresRegistrarDbContext(pg.Options);
    }

    public static async Task<RegisteredAgent?> FindAsync(RegistrarProcess registrar, string agentId)
    {
        await using var db = Open(registrar);
        return await db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.AgentId == agentId);
    }

    public static void DropPostgres(string database)
    {
        var admin = NpgsqlConnectionString(Prerequisites.PostgresConnectionString());
        using var connection = new NpgsqlConnection(admin);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)";
        command.ExecuteNonQuery();
    }

    private static string NpgsqlConnectionString(string databaseUrl)
    {
        var uri = new Uri(databaseUrl);
        var user = uri.UserInfo.Split(':');
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            Database = uri.AbsolutePath.TrimStart('/'),
            Pooling = false,
        }.ConnectionString;
    }
}
