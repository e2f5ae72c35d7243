using Keylime.Registrar.Storage;
using Keylime.Registrar.Tests.Support;

namespace Keylime.Registrar.Tests.Storage;

/// <summary>
/// A first registration is one INSERT that does nothing when the ID was taken after our read (another
/// registrar process on the same database won the race): it reports the conflict, and the winner's
/// row, key included, stays as it was.
/// </summary>
public abstract class RegistrationRace(RegistrarFixture fixture)
{
    [Fact]
    public async Task An_insert_that_loses_the_race_writes_nothing_and_reports_it()
    {
        var id = AgentFlow.NewId();
        await using var db = TestDatabase.Open(fixture.Registrar);

        Assert.True(await RegistrarQueries.InsertAsync(db, Row(id, "winner-key"), CancellationToken.None));
        Assert.False(await RegistrarQueries.InsertAsync(db, Row(id, "loser-key"), CancellationToken.None));

        var stored = await TestDatabase.FindAsync(fixture.Registrar, id);
        Assert.NotNull(stored);
        Assert.Equal("winner-key", stored.Key);
        Assert.Equal(1, stored.Regcount);
    }

    private static RegisteredAgent Row(string id, string key) => new()
    {
        AgentId = id,
        Key = key,
        AikTpm = "aik",
        EkTpm = "ek",
        ProviderKeys = "{}",
        Regcount = 1,
    };
}

[Collection(SqliteRegistrarCollection.Name)]
public sealed class SqliteRegistrationRace(SqliteRegistrarFixture fixture) : RegistrationRace(fixture);

[Collection(PostgresRegistrarCollection.Name)]
public sealed class PostgresRegistrationRace(PostgresRegistrarFixture fixture) : RegistrationRace(fixture);
