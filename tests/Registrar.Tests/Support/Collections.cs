namespace Keylime.Registrar.Tests.Support;

/// <summary>All route tests on SQLite share one registrar process (agent IDs are unique per test).</summary>
[CollectionDefinition(Name)]
public sealed class SqliteRegistrarCollection : ICollectionFixture<SqliteRegistrarFixture>
{
    public const string Name = "registrar on SQLite";
}

/// <summary>The same tests against PostgreSQL.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresRegistrarCollection : ICollectionFixture<PostgresRegistrarFixture>
{
    public const string Name = "registrar on PostgreSQL";
}
