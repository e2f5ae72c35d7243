using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Keylime.TestSupport;

namespace Keylime.Registrar.Tests.Support;

public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A real registrar process (the built Keylime.Registrar.dll) on 127.0.0.1 free ports, configured
/// the way an operator would: Keylime's registrar.conf template, KEYLIME_REGISTRAR_* overrides, a
/// cv_ca under KEYLIME_DIR (tls_dir = default). Stopped by PID; its temp dir and database removed.
/// </summary>
public sealed class RegistrarProcess : IDisposable
{
    private readonly ChildProcess _process;
    private readonly string? _postgresDatabase;

    private RegistrarProcess(ChildProcess process, string directory, int port, int tlsPort, string databaseUrl, string? postgresDatabase, TestCertificateAuthority ca)
    {
        _process = process;
        Directory = directory;
        Port = port;
        TlsPort = tlsPort;
        DatabaseUrl = databaseUrl;
        _postgresDatabase = postgresDatabase;
        Ca = ca;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Admin = HttpsClient(ca.Client);
        Anonymous = HttpsClient(null);
    }

    public string Directory { get; }

    public int Port { get; }

    public int TlsPort { get; }

    public string DatabaseUrl { get; }

    public TestCertificateAuthority Ca { get; }

    /// <summary>The plain HTTP listener (agents).</summary>
    public HttpClient Http { get; }

    /// <summary>HTTPS with the cv_ca client certificate (CN=admin), as the tenant calls.</summary>
    public HttpClient Admin { get; }

    /// <summary>HTTPS without a client certificate, as the Rust agent calls with registrar TLS on.</summary>
    public HttpClient Anonymous { get; }

    public string Log => _process.Log;

    /// <summary>Starts a registrar; a start that fails (e.g. a port taken meanwhile by another test) is retried on new ports.</summary>
    public static RegistrarProcess Start(DatabaseKind database, IDictionary<string, string>? environment = null)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                return StartOnce(database, environment);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                last = e;
            }
        }

        throw new InvalidOperationException("the registrar did not start in 3 attempts", last);
    }

    private static RegistrarProcess StartOnce(DatabaseKind database, IDictionary<string, string>? environment)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("keylime-registrar.").FullName;
        var ca = TestCertificateAuthority.Create(dir);
        File.Copy(SharedData.Path("data", "keylime-conf", "registrar.conf"), Path.Combine(dir, "registrar.conf"));
        var (url, pgName) = database == DatabaseKind.Sqlite ? ("sqlite", null) : PostgresUrl();
        var port = FreePort.Next();
        var tlsPort = FreePort.Next();
        var env = new Dictionary<string, string>
        {
            ["KEYLIME_REGISTRAR_CONFIG"] = Path.Combine(dir, "registrar.conf"),
            ["KEYLIME_DIR"] = dir,
            ["KEYLIME_REGISTRAR_IP"] = "127.0.0.1",
            ["KEYLIME_REGISTRAR_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["KEYLIME_REGISTRAR_TLS_PORT"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["KEYLIME_REGISTRAR_DATABASE_URL"] = url,
            ["KEYLIME_TENANT_TPM_CERT_STORE"] = Path.Combine(dir, "no_tpm_cert_store"),
        };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            env[k] = v.Replace("{KEYLIME_DIR}", dir, StringComparison.Ordinal);
        }

        // Output goes to registrar.log, which a failing test prints.
        var process = ChildProcess.Start("registrar", Path.Combine(AppContext.BaseDirectory, "Keylime.Registrar.dll"),
            ["--Logging:LogLevel:Default=Warning"], env, dir);
        var registrar = new RegistrarProcess(process, dir, port, tlsPort, url, pgName, ca);
        try
        {
            registrar.WaitUntilServing();
            return registrar;
        }
        catch
        {
            registrar.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _process.Dispose(); // our own child, stopped by PID
        Http.Dispose();
        Admin.Dispose();
        Anonymous.Dispose();
        if (_postgresDatabase is not null)
        {
            TestDatabase.DropPostgres(_postgresDatabase);
        }

        Ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void WaitUntilServing()
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the registrar exited:\n{Log}");
            }

            try
            {
                using var response = Http.GetAsync("/version").GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"the registrar did not answer on port {Port}:\n{Log}");
    }

    /// <summary>An HTTPS client that trusts the cv_ca and presents <paramref name="clientCertificate"/> (if any).</summary>
    public HttpClient HttpsClient(X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsToTestCa(certificate);
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{TlsPort}") };
    }

    private bool ChainsToTestCa(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var cert = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(cert);
    }

    private static (string Url, string Name) PostgresUrl()
    {
        var baseUrl = new Uri(Prerequisites.PostgresConnectionString());
        var name = $"registrar_test_{Guid.NewGuid():N}";
        return ($"{baseUrl.Scheme}://{baseUrl.UserInfo}@{baseUrl.Host}:{baseUrl.Port}/{name}", name);
    }
}
