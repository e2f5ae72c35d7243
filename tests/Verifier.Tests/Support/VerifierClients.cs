using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Security;

namespace Keylime.Verifier.Tests.Support;

/// <summary>
/// HTTPS clients of a verifier that trust its cv_ca: admin (cv_ca's client certificate, what the
/// tenant uses), anonymous (no certificate), bearer-token callers and a certificate from another CA.
/// </summary>
public sealed class VerifierClients(Uri baseAddress, string cvCa) : IDisposable
{
    private readonly List<HttpClient> _clients = [];

    /// <summary>The tenant's identity: cv_ca's generated client certificate.</summary>
    public HttpClient Admin() =>
        Client(LoadPem(Path.Combine(cvCa, TlsSettings.ClientCertFile), Path.Combine(cvCa, TlsSettings.ClientKeyFile)));

    /// <summary>No client certificate at all.</summary>
    public HttpClient Anonymous() => Client(null);

    /// <summary>A caller presenting a PoP bearer token (a bearer header never uses mTLS, even with a certificate).</summary>
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
        var trusted = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(cvCa, TlsSettings.CaCertFile));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate!,
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is X509Certificate2 c && ChainsTo(c, trusted),
            },
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _clients.Add(client);
        return client;
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
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
