using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Configuration;
using Keylime.Shared.Security;

namespace Keylime.Registrar.Tests.Support;

/// <summary>
/// The cv_ca a Keylime verifier generates (tls_dir = generate): CA, server and client (tenant)
/// certificates, made here by the verifier's own generator so the registrar is tested against the
/// same files it meets in a deployment (tls_dir = default, trusted_client_ca = default).
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private TestCertificateAuthority(X509Certificate2 ca, X509Certificate2 client)
    {
        Certificate = ca;
        Client = client;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The tenant's client certificate (with its private key).</summary>
    public X509Certificate2 Client { get; }

    /// <summary>Generates <c>keylimeDir/cv_ca</c> like the verifier does on its first start.</summary>
    public static TestCertificateAuthority Create(string keylimeDir)
    {
        var settings = TlsSettings.ForVerifier(new VerifierOptions { KeylimeDir = keylimeDir, TlsDir = "generate", Ip = "127.0.0.1" });
        KeylimeCa.EnsureGenerated(settings);
        var dir = settings.TlsDir;
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, TlsSettings.CaCertFile));
        var client = X509Certificate2.CreateFromPemFile(Path.Combine(dir, TlsSettings.ClientCertFile), Path.Combine(dir, TlsSettings.ClientKeyFile));
        return new TestCertificateAuthority(ca, client);
    }

    /// <summary>A client certificate with CN=admin from a CA the registrar does not trust.</summary>
    public static X509Certificate2 StrangerClient()
    {
        using var caKey = RSA.Create(2048);
        var now = DateTimeOffset.UtcNow;
        using var ca = KeylimeCa.CreateCa(new CaOptions(), caKey, now);
        using var key = RSA.Create(2048);
        using var cert = KeylimeCa.Issue(ca, "admin", [], server: false, key, now);
        return cert.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Client.Dispose();
    }
}
