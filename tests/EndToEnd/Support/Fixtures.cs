namespace Keylime.EndToEnd.Support;

/// <summary>
/// One SQLite stack shared by the tests of the "sqlite stack" collection (each test starts its own
/// agents). quote_interval = 1.5 s: a 2 s cadence and a 7.5 s timeout, wide enough for a busy CI box.
/// </summary>
public sealed class SqliteStack() : IDisposable
{
    public Stack Stack { get; } = new(StackDatabase.Sqlite, quoteInterval: 1.5);

    public void Dispose() => Stack.Dispose();
}

/// <summary>
/// The same on PostgreSQL (a database of its own on the test cluster). quote_interval = 4 s: the
/// 20 s timeout outlasts a verifier restart (kill -9 test), which would otherwise flag the agent.
/// </summary>
public sealed class PostgresStack() : IDisposable
{
    public Stack Stack { get; } = new(StackDatabase.Postgres, quoteInterval: 4);

    public void Dispose() => Stack.Dispose();
}

[CollectionDefinition("sqlite stack")]
public sealed class SqliteStackCollection : ICollectionFixture<SqliteStack>;

[CollectionDefinition("postgres stack")]
public sealed class PostgresStackCollection : ICollectionFixture<PostgresStack>;
