using Keylime.Verifier.Data;
using Keylime.Verifier.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keylime.Verifier.Tests.Data;

/// <summary>
/// The operator's usual first start: the database exists (created for keylime) but is empty. The
/// migrations apply without a single error line in the log (EF's probe of the missing history table
/// used to log two), and a second start has nothing to do.
/// </summary>
public sealed class FirstStartTests
{
    [Fact]
    public async Task An_empty_PostgreSQL_database_is_migrated_without_an_error_line()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        var log = new LogCapture();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(log)).AddVerifierDatabase(database.Options());
        await using var provider = services.BuildServiceProvider();

        var applied = await provider.MigrateVerifierDatabaseAsync(database.Options());
        var again = await provider.MigrateVerifierDatabaseAsync(database.Options());

        Assert.Contains(applied, m => m.EndsWith("_Initial", StringComparison.Ordinal));
        Assert.Empty(again);
        Assert.Empty(log.Errors);
    }
}
