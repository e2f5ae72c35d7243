using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Configuration;
using Keylime.Shared.Security;

namespace Keylime.Shared.Tests.Security;

/// <summary>An in-memory CA for tests that need certificates from a CA other than the generated one.</summary>
public sealed class TestCa : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);

    public TestCa(string name)
    {
        Certificate = KeylimeCa.CreateCa(new CaOptions { CertCaName = name }, _key, DateTimeOffset.UtcNow);
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>A client certificate with its private key.</summary>
    public X509Certificate2 IssueClient(string commonName)
    {
        using var key = RSA.Create(2048);
        using var cert = KeylimeCa.Issue(Certificate, commonName, [], server: false, key, DateTimeOffset.UtcNow);
        return cert.CopyWithPrivateKey(key);
    }

    /// <summary>Writes a server certificate and its (optionally encrypted) PKCS#8 key.</summary>
    public void WriteServer(string certPath, string keyPath, string password)
    {
        using var key = RSA.Create(2048);
        using var cert = KeylimeCa.Issue(Certificate, "server", ["127.0.0.1", "localhost"], server: true, key, DateTimeOffset.UtcNow);
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, password.Length == 0
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}
