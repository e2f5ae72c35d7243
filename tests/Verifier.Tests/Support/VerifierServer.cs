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
    private readonly List<HttpClient> _clients = [];

    private VerifierServer(WebApplication app, TestDatabase database, VerifierOptions options)
    {
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

    public static async Task<VerifierServer> StartAsync(string provider = TestDatabase.Sqlite, IDictionary<string, string>? overrides = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var locations = new KeylimeConfigLocations(
            Path.Combine(database.KeylimeDir, "no-etc"), Path.Combine(database.KeylimeDir, "no-usr-etc"),
            Environment(database, FreePort.Next(), overrides));
        var options = VerifierOptions.Load(locations);
        var app = VerifierApp.Build(options, configureServices: s => s.AddLogging());
        await app.Services.MigrateVerifierDatabaseAsync(options);
        await app.StartAsync();
        return new VerifierServer(app, database, options);
    }

    /// <summary>The tenant's identity: cv_ca's generated client certificate.</summary>
    public HttpClient Admin() => Client(LoadPem(Path.Combine(CvCa, TlsSettings.ClientCertFile), Path.Combine(CvCa, TlsSettings.ClientKeyFile)));

    /// <summary>No client certificate at all.</summary>
    public HttpClient Anonymous() => Client(null);

    /// <summary>A caller presenting a PoP bearer token (and no certificate: a bearer header never uses mTLS).</summary>
    public HttpClient Bearer(string token, bool withAdminCertificate = false)
    {
        var client = withAdminCertificate ? Admin() : Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A client certificate with CN=admin issued by a CA the verifier does not trust.</summary>
    public HttpClient ForeignCertificate() => Client(ForeignCa.Issue("admin"));

    public HttpClient Client(X509Certificate2? certificate)
    {
        var trusted = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(CvCa, TlsSettings.CaCertFile));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate!,
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && ChainsTo(new X509Certificate2(cert), trusted),
            },
        };
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _clients.Add(client);
        return client;
    }

    /// <summary>Runs <paramref name="action"/> on a fresh scope's database context.</summary>
    public async Task<T> WithDbAsync<T>(Func<VerifierDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<VerifierDbContext>());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        await Database.DisposeAsync();
    }

    public static X509Certificate2 LoadPem(string certificate, string key)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificate, key);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>A throwaway CA unknown to the verifier.</summary>
    private static class ForeignCa
    {
        private static readonly Lazy<(X509Certificate2 Ca, RSA Key)> Root = new(() =>
        {
            var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=Foreign Test CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            return (request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)), key);
        });

        public static X509Certificate2 Issue(string commonName)
        {
            var (ca, _) = Root.Value;
            using var key = RSA.Create(2048);
            var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
            using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), RandomNumberGenerator.GetBytes(8));
            using var withKey = issued.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
    }
}
