using Keylime.TestSupport;
using Npgsql;

namespace Keylime.EndToEnd.Support;

/// <summary>Databases of their own on the test PostgreSQL cluster (KEYLIME_TEST_POSTGRES).</summary>
public static class Postgres
{
    /// <summary>A Keylime database_url for <paramref name="database"/> (the servers create it when they migrate).</summary>
    public static string Url(string database)
    {
        var server = new Uri(Prerequisites.PostgresConnectionString());
        return $"{server.Scheme}://{server.UserInfo}@{server.Host}:{server.Port}/{database}";
    }

    public static void Drop(string database)
    {
        var server = new Uri(Prerequisites.PostgresConnectionString());
        var user = server.UserInfo.Split(':');
        var cs = new NpgsqlConnectionStringBuilder
        {
            Host = server.Host,
            Port = server.Port,
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            Database = server.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres",
            Pooling = false,
        };
        using var connection = new NpgsqlConnection(cs.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)";
        command.ExecuteNonQuery();
    }
}
