using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keylime.Registrar.Tests.Support;

/// <summary>
/// Writes a Keylime-style <c>cv_ca</c> directory (cacert.crt, server-cert.crt/server-private.pem,
/// client-cert.crt/client-private.pem) so a registrar with <c>tls_dir = default</c> can start, and
/// keeps the client certificate for admin calls. Also makes a stranger CA for refusal tests.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private TestCertificateAuthority(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client)
    {
        Certificate = ca;
        Server = server;
        Client = client;
    }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2 Server { get; }

    /// <summary>Client certificate with CN=admin and its private key.</summary>
    public X509Certificate2 Client { get; }

    public static TestCertificateAuthority Create(string? directory, string clientCommonName = "admin")
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Keylime Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddDays(-2), now.AddYears(2));

        var server = Issue(ca, "CN=127.0.0.1", serverAuth: true, out var serverKey);
        var client = Issue(ca, $"CN={clientCommonName}", serverAuth: false, out var clientKey);
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "cacert.crt"), ca.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "server-cert.crt"), server.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "server-private.pem"), serverKey.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(Path.Combine(directory, "client-cert.crt"), client.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "client-private.pem"), clientKey.ExportPkcs8PrivateKeyPem());
        }

        var serverWithKey = server.CopyWithPrivateKey(serverKey);
        var clientWithKey = client.CopyWithPrivateKey(clientKey);
        serverKey.Dispose();
        clientKey.Dispose();
        return new TestCertificateAuthority(ca, serverWithKey, clientWithKey);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Server.Dispose();
        Client.Dispose();
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, bool serverAuth, out RSA key)
    {
        key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var now = DateTimeOffset.UtcNow;
        return request.Create(ca, now.AddDays(-1), now.AddYears(1), serial);
    }
}
