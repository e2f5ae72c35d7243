using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Configuration;
using Keylime.Shared.Security;
using Keylime.TestSupport;
using Keylime.Verifier.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keylime.Verifier.Tests.Support;

/// <summary>
/// A real verifier on real Kestrel TLS at 127.0.0.1:&lt;free port&gt;, configured from the shared
/// verifier.conf (unchanged; KEYLIME_VERIFIER_CONFIG) plus KEYLIME_* overrides, with its generated
/// cv_ca. Clients: admin (cv_ca's client certificate), anonymous (no certificate), a certificate from
/// another CA, and bearer-token callers.
/// </summary>
public sealed class VerifierServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private VerifierClients? _clients;

    private readonly bool _ownsDatabase;

    private VerifierServer(WebApplication app, TestDatabase database, VerifierOptions options, bool ownsDatabase)
    {
        _ownsDatabase = ownsDatabase;
        _app = app;
        Database = database;
        Options = options;
        BaseAddress = new Uri($"https://127.0.0.1:{options.Port}");
    }

    public TestDatabase Database { get; }

    public VerifierOptions Options { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public string CvCa => Path.Combine(Database.KeylimeDir, "cv_ca");

    /// <summary>Environment a real verifier process gets for this configuration.</summary>
    public static Dictionary<string, string> Environment(TestDatabase database, int port, IDictionary<string, string>? overrides = null)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KEYLIME_VERIFIER_CONFIG"] = Fixtures.VerifierConf,
            ["KEYLIME_DIR"] = database.KeylimeDir,
            ["KEYLIME_VERIFIER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["KEYLIME_VERIFIER_DATABASE_URL"] = database.DatabaseUrl,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        return env;
    }

    public static async Task<VerifierServer> StartAsync(
        string provider = TestDatabase.Sqlite, IDictionary<string, string>? overrides = null, Action<IServiceCollection>? configureServices = null) =>
        await StartAsync(await TestDatabase.CreateAsync(provider), ownsDatabase: true, overrides, configureServices);

    /// <summary>Starts a verifier on an existing database (a restart when one ran on it before).</summary>
    public static async Task<VerifierServer> StartAsync(
        TestDatabase database, bool ownsDatabase, IDictionary<string, string>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        CvCaTemplate.CopyTo(Path.Combine(database.KeylimeDir, "cv_ca"));
        var locations = new KeylimeConfigLocations(
            Path.Combine(database.KeylimeDir, "no-etc"), Path.Combine(database.KeylimeDir, "no-usr-etc"),
            Environment(database, FreePort.Next(), overrides));
        var options = VerifierOptions.Load(locations);
        var app = VerifierApp.Build(options, configureServices: configureServices);
        await VerifierStartup.PrepareAsync(app.Services, options, NullLogger.Instance);
        await app.StartAsync();
        return new VerifierServer(app, database, options, ownsDatabase);
    }

    /// <summary>Clients of this server (admin, anonymous, bearer, foreign certificate).</summary>
    public VerifierClients Clients => _clients ??= new VerifierClients(BaseAddress, CvCa);

    public HttpClient Admin() => Clients.Admin();

    public HttpClient Anonymous() => Clients.Anonymous();

    public HttpClient Bearer(string token, bool withAdminCertificate = false) => Clients.Bearer(token, withAdminCertificate);

    public HttpClient ForeignCertificate() => Clients.ForeignCertificate();

    /// <summary>Runs <paramref name="action"/> on a fresh scope's database context.</summary>
    public async Task<T> WithDbAsync<T>(Func<VerifierDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<VerifierDbContext>());
    }

    public async ValueTask DisposeAsync()
    {
        _clients?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDatabase)
        {
            await Database.DisposeAsync();
        }
    }

    /// <summary>
    /// One generated cv_ca (CA, server and client certificates, Keylime's file names) copied into each
    /// in-process server's KEYLIME_DIR: key generation is the slow part of a start. The process tests
    /// let the verifier generate its own.
    /// </summary>
    private static class CvCaTemplate
    {
        private static readonly Lazy<string> Directory = new(() =>
        {
            var root = System.IO.Directory.CreateTempSubdirectory("keylime-cv-ca-template.").FullName;
            KeylimeCa.EnsureGenerated(TlsSettings.ForVerifier(new VerifierOptions { KeylimeDir = root }));
            return Path.Combine(root, "cv_ca");
        });

        public static void CopyTo(string target)
        {
            if (System.IO.Directory.Exists(target))
            {
                return;
            }

            System.IO.Directory.CreateDirectory(target);
            foreach (var file in System.IO.Directory.GetFiles(Directory.Value))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }
    }
}
