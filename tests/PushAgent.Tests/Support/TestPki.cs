using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>
/// A throwaway CA and a server certificate for 127.0.0.1/localhost signed by it, so tests run the
/// agent's real TLS validation against the fake peers. The CA PEM is written to a temp dir.
/// </summary>
public sealed class TestPki : IDisposable
{
    private TestPki(string directory, X509Certificate2 ca, X509Certificate2 server)
    {
        Directory = directory;
        Ca = ca;
        ServerCertificate = server;
        CaFile = Path.Combine(directory, "cacert.crt");
        File.WriteAllText(CaFile, ca.ExportCertificatePem() + "\n");
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 ServerCertificate { get; }

    /// <summary>PEM of the CA, what <c>verifier_tls_ca_cert</c> / <c>--ca-certificate</c> name.</summary>
    public string CaFile { get; }

    public static TestPki Create()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("keylime-agent-pki.").FullName;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Keylime test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(serverKey);
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
        return new TestPki(dir, ca, server);
    }

    public void Dispose()
    {
        Ca.Dispose();
        ServerCertificate.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
