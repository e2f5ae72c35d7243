using System.Globalization;
using System.Runtime.Versioning;
using Keylime.RegistrarLoad;
using Keylime.Registrar.Tests.Support;

namespace Keylime.Registrar.Tests.Load;

/// <summary>
/// Keeps bench/RegistrarLoad from rotting: a few seconds of register + activate against the real
/// registrar process (SQLite and PostgreSQL), with P-256 and RSA-2048 simulated TPMs; every
/// operation must succeed end to end (blob activated, auth_tag accepted). Figures are never asserted.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class RegistrarLoadSmokeTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite, KeyKind.Ecc)]
    [InlineData(DatabaseKind.Sqlite, KeyKind.Rsa)]
    [InlineData(DatabaseKind.Postgres, KeyKind.Ecc)]
    public async Task Every_simulated_registration_against_a_real_registrar_activates(DatabaseKind database, KeyKind keys)
    {
        using var registrar = RegistrarProcess.Start(database);
        var options = new RegistrarLoadOptions
        {
            Registrar = new Uri($"http://127.0.0.1:{registrar.Port}"),
            Concurrency = 2,
            Identities = 2,
            Duration = 3,
            Warmup = 0,
            Ek = keys,
            Ak = keys,
        };
        var identities = Enumerable.Range(0, options.Identities).Select(_ => new SoftwareIdentity(keys, keys)).ToList();
        using var http = new HttpClient { BaseAddress = options.Registrar };

        var report = await new RegistrarLoadRun(options, identities, http).RunAsync();
        var output = new StringWriter(CultureInfo.InvariantCulture);
        report.Print(options, output);
        identities.ForEach(i => i.Dispose());

        Assert.True(report.Operations > 0 && report.Failures.Count == 0, $"{output}\n--- registrar ---\n{registrar.Log}");
    }
}
