using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Configuration;

namespace Keylime.Shared.Security;

/// <summary>
/// What a server needs for TLS: its certificate with private key (plus any chain certificates
/// from the same PEM file) and the CAs its clients' certificates must chain to. Client
/// certificates are checked against those CAs only (custom root trust, no OS store, no
/// revocation), as Keylime's OpenSSL setup does.
/// </summary>
public sealed class TlsMaterial : IDisposable
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private TlsMaterial(X509Certificate2 server, X509Certificate2Collection chain, X509Certificate2Collection trusted, bool verify)
    {
        ServerCertificate = server;
        ServerChain = chain;
        TrustedClientCas = trusted;
        VerifyClientCertificates = verify;
    }

    /// <summary>The server certificate, with its private key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>Intermediate certificates that followed the leaf in <c>server_cert</c>.</summary>
    public X509Certificate2Collection ServerChain { get; }

    /// <summary>Trust anchors for client certificates (<c>trusted_client_ca</c>).</summary>
    public X509Certificate2Collection TrustedClientCas { get; }

    /// <summary>False for <c>trusted_client_ca = all</c>: any client certificate is accepted.</summary>
    public bool VerifyClientCertificates { get; }

    /// <summary>
    /// Resolves, bootstraps (tls_dir = generate) and loads the verifier's TLS material.
    /// </summary>
    public static TlsMaterial ForVerifier(VerifierOptions options, CaOptions? ca = null, TimeProvider? time = null) =>
        Prepare(TlsSettings.ForVerifier(options, ca), time);

    /// <summary>Resolves, bootstraps (tls_dir = generate) and loads the registrar's TLS material.</summary>
    public static TlsMaterial ForRegistrar(RegistrarOptions options, CaOptions? ca = null, TimeProvider? time = null) =>
        Prepare(TlsSettings.ForRegistrar(options, ca), time);

    /// <summary>Generates missing files when asked to, then loads.</summary>
    public static TlsMaterial Prepare(TlsSettings settings, TimeProvider? time = null)
    {
        KeylimeCa.EnsureGenerated(settings, time);
        return Load(settings);
    }

    /// <summary>Loads existing files; a missing or unreadable one is a <see cref="KeylimeConfigException"/> naming it.</summary>
    public static TlsMaterial Load(TlsSettings settings)
    {
        var certs = ReadCertificates(settings.ServerCert, "server_cert");
        X509Certificate2 server;
        try
        {
            using var leaf = settings.ServerKeyPassword.Length > 0
                ? X509Certificate2.CreateFromEncryptedPemFile(settings.ServerCert, settings.ServerKeyPassword, settings.ServerKey)
                : X509Certificate2.CreateFromPemFile(settings.ServerCert, settings.ServerKey);
            // Re-import so the key is usable by SslStream on every platform.
            server = X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new KeylimeConfigException($"invalid TLS configuration: cannot load server_key {settings.ServerKey} for {settings.ServerCert}: {e.Message}", e);
        }

        var chain = new X509Certificate2Collection();
        chain.AddRange(certs.Skip(1).ToArray());
        var trusted = new X509Certificate2Collection();
        foreach (var file in settings.TrustedClientCa)
        {
            trusted.AddRange(ReadCertificates(file, "trusted_client_ca"));
        }

        return new TlsMaterial(server, chain, trusted, settings.VerifyClientCertificates);
    }

    /// <summary>
    /// Whether a client certificate is acceptable: it chains to one of <see cref="TrustedClientCas"/>
    /// (intermediates may come from <paramref name="presentedChain"/>) and, if it has an EKU, allows
    /// client authentication. Always true when verification is off (<c>all</c>).
    /// </summary>
    public bool ValidateClientCertificate(X509Certificate2 certificate, X509Chain? presentedChain = null)
    {
        if (!VerifyClientCertificates)
        {
            return true;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(TrustedClientCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        if (presentedChain is not null)
        {
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    /// <summary>An <see cref="SslStreamCertificateContext"/> for the server certificate and its chain.</summary>
    public SslStreamCertificateContext CreateServerContext() =>
        SslStreamCertificateContext.Create(ServerCertificate, ServerChain, offline: true);

    public void Dispose()
    {
        ServerCertificate.Dispose();
        foreach (var c in ServerChain.Concat(TrustedClientCas))
        {
            c.Dispose();
        }
    }

    private static X509Certificate2Collection ReadCertificates(string path, string option)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new KeylimeConfigException($"invalid TLS configuration: {option} {path}: {e.Message}", e);
        }

        return collection.Count > 0
            ? collection
            : throw new KeylimeConfigException($"invalid TLS configuration: {option} {path} holds no PEM certificate");
    }
}
