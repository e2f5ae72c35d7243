using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Hosting;
using Keylime.Shared.Configuration;
using Keylime.Shared.Security;
using Keylime.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keylime.Hosting.Tests;

/// <summary>
/// A real Kestrel on 127.0.0.1 with the generated cv_ca (spec/verifier.md §1): client certificates
/// are optional, one from the trusted CA makes the caller an admin, one from another CA is refused
/// during the TLS handshake.
/// </summary>
public sealed class MutualTlsTests(KestrelFixture server) : IClassFixture<KestrelFixture>
{
    private string CaDir => Path.Combine(server.Dir, "cv_ca");

    private X509Certificate2 GeneratedClient() =>
        X509Certificate2.CreateFromPemFile(Path.Combine(CaDir, "client-cert.crt"), Path.Combine(CaDir, "client-private.pem"));

    private static X509Certificate2 ForeignClient()
    {
        using var caKey = RSA.Create(2048);
        using var ca = KeylimeCa.CreateCa(new CaOptions { CertCaName = "Another CA" }, caKey, DateTimeOffset.UtcNow);
        using var key = RSA.Create(2048);
        using var cert = KeylimeCa.Issue(ca, "client", [], server: false, key, DateTimeOffset.UtcNow);
        return cert.CopyWithPrivateKey(key);
    }

    // The client trusts only cacert.crt for the server, and always offers the given certificate.
    private SslClientAuthenticationOptions ClientTls(X509Certificate2? clientCert, SslProtocols protocols = SslProtocols.None)
    {
        var caCert = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(CaDir, "cacert.crt"));
        return new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            EnabledSslProtocols = protocols,
            LocalCertificateSelectionCallback = clientCert is null ? null : (_, _, _, _, _) => clientCert,
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(caCert);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return cert is X509Certificate2 c && chain.Build(c);
            },
        };
    }

    private HttpClient Client(X509Certificate2? clientCert) =>
        new(new SocketsHttpHandler { SslOptions = ClientTls(clientCert) }) { BaseAddress = new Uri($"https://127.0.0.1:{server.HttpsPort}") };

    [Fact]
    public async Task Client_certificate_signed_by_the_trusted_CA_is_accepted_and_names_the_admin()
    {
        using var cert = GeneratedClient();
        using var client = Client(cert);

        Assert.Equal("client", await client.GetStringAsync("/whoami"));
    }

    [Fact]
    public async Task No_client_certificate_is_accepted_as_anonymous()
    {
        using var client = Client(null);

        Assert.Equal("anonymous", await client.GetStringAsync("/whoami"));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Client_certificate_from_another_CA_is_refused_at_the_TLS_handshake(SslProtocols protocol)
    {
        using var foreign = ForeignClient();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.HttpsPort);
        await using var ssl = new SslStream(tcp.GetStream());

        // .NET on Linux checks the peer certificate right after OpenSSL's handshake messages (and
        // TLS 1.3 clients always finish before the server has seen their certificate), so the client
        // may see its side complete; the server then aborts the TLS session before reading a byte of
        // HTTP. Either way no response ever arrives and no handler runs.
        var response = -1;
        var error = await Record.ExceptionAsync(async () =>
        {
            await ssl.AuthenticateAsClientAsync(ClientTls(foreign, protocol));
            await ssl.WriteAsync("GET /probe HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            response = await ssl.ReadAsync(new byte[1024]);
        });

        Assert.True(error is AuthenticationException or IOException || response == 0, $"connection was not refused: {error}, read {response}");
        Assert.Equal(0, server.Probes);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Same_raw_exchange_with_a_trusted_certificate_gets_an_answer(SslProtocols protocol)
    {
        using var cert = GeneratedClient();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.HttpsPort);
        await using var ssl = new SslStream(tcp.GetStream());

        await ssl.AuthenticateAsClientAsync(ClientTls(cert, protocol));
        await ssl.WriteAsync("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var buffer = new byte[1024];
        var n = await ssl.ReadAsync(buffer);

        Assert.StartsWith("HTTP/1.1 200", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Client_certificate_from_another_CA_never_reaches_a_handler_over_TLS_1_3()
    {
        using var foreign = ForeignClient();
        using var client = Client(foreign);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("/probe"));
        Assert.Equal(0, server.Probes);
    }

    [Fact]
    public async Task Bearer_header_means_the_agent_path_never_the_admin_one()
    {
        using var cert = GeneratedClient();
        using var client = Client(cert);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "x.y");

        Assert.Equal("anonymous", await client.GetStringAsync("/whoami"));
    }

    [Fact]
    public async Task Plain_http_listener_serves_requests_without_an_admin_identity()
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };

        Assert.Equal("anonymous", await client.GetStringAsync("/whoami"));
    }

    [Fact]
    public async Task Request_body_over_max_upload_size_is_refused_with_413()
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };

        using var small = await client.PostAsync("/upload", new StringContent(new string('a', 1000)));
        using var large = await client.PostAsync("/upload", new StringContent(new string('a', 2000)));

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
    }
}

/// <summary>One Kestrel (HTTPS + HTTP, 1 KiB body limit) with a generated cv_ca, shared by the tests of a class.</summary>
public sealed class KestrelFixture : IAsyncLifetime
{
    private WebApplication? _app;
    private TlsMaterial? _tls;
    private int _probes;

    public string Dir { get; } = Directory.CreateTempSubdirectory("keylime-kestrel-").FullName;
    public int HttpsPort { get; } = FreePort.Next();
    public int HttpPort { get; } = FreePort.Next();

    /// <summary>Requests that reached the /probe handler (must stay 0 for refused clients).</summary>
    public int Probes => Volatile.Read(ref _probes);

    public async Task InitializeAsync()
    {
        _tls = TlsMaterial.ForVerifier(new VerifierOptions { KeylimeDir = Dir, TlsDir = "generate" });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKeylimeKestrel(new KeylimeListenOptions
        {
            Ip = "127.0.0.1", HttpsPorts = [HttpsPort], HttpPorts = [HttpPort], MaxRequestBodySize = 1024, Tls = _tls,
        });
        _app = builder.Build();
        _app.MapGet("/whoami", (HttpContext c) => c.AdminCommonName() ?? "anonymous");
        _app.MapGet("/probe", () =>
        {
            Interlocked.Increment(ref _probes);
            return "reached";
        });
        _app.MapPost("/upload", async (HttpRequest r) => (await new StreamReader(r.Body).ReadToEndAsync()).Length);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _tls?.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
