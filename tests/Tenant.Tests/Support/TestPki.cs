using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keylime.Tenant.Tests.Support;

/// <summary>
/// A throwaway CA with a server certificate (127.0.0.1) and a client certificate, written out in
/// Keylime's cv_ca layout (cacert.crt, client-cert.crt, client-private.pem) under a temp KEYLIME_DIR.
/// </summary>
public sealed class TestPki : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public TestPki(string caName = "Keylime Tenant Test CA")
    {
        KeylimeDir = Directory.CreateTempSubdirectory("keylime-tenant-tests.").FullName;
        CvCa = Directory.CreateDirectory(Path.Combine(KeylimeDir, "cv_ca")).FullName;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        Ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        Server = Issue("CN=server", ServerAuth, now, san: true);
        Client = Issue("CN=tenant-client", ClientAuth, now, san: false);
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
        File.WriteAllText(ClientCertFile, Client.ExportCertificatePem());
        File.WriteAllText(ClientKeyFile, Client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public string KeylimeDir { get; }
    public string CvCa { get; }
    public X509Certificate2 Ca { get; }
    public X509Certificate2 Server { get; }
    public X509Certificate2 Client { get; }
    public string CaFile => Path.Combine(CvCa, "cacert.crt");
    public string ClientCertFile => Path.Combine(CvCa, "client-cert.crt");
    public string ClientKeyFile => Path.Combine(CvCa, "client-private.pem");

    private X509Certificate2 Issue(string subject, Oid usage, DateTimeOffset now, bool san)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        if (san)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Ca, now.AddDays(-1), now.AddDays(30), serial);
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client.Dispose();
        try
        {
            Directory.Delete(KeylimeDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
