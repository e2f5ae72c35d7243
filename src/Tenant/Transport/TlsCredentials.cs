using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Tenant.Configuration;

namespace Keylime.Tenant.Transport;

/// <summary>
/// The tenant's TLS identity and trust, as Keylime's client context sets them up
/// (web_util.generate_tls_context, is_client): TLS ≥ 1.2, the configured client certificate,
/// servers verified against <c>trusted_server_ca</c> only (a custom root store, never the system
/// store) for the server-auth purpose, host names not checked (Keylime identifies servers by CA).
/// </summary>
public sealed class TlsCredentials : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    private TlsCredentials(X509Certificate2? clientCertificate, X509Certificate2Collection roots, bool verify)
    {
        ClientCertificate = clientCertificate;
        TrustedRoots = roots;
        VerifyServer = verify;
    }

    public X509Certificate2? ClientCertificate { get; }
    public X509Certificate2Collection TrustedRoots { get; }
    public bool VerifyServer { get; }

    /// <summary>Loads the client certificate and the trusted CAs; a missing or unreadable file is a one-line failure.</summary>
    public static TlsCredentials Load(TenantSettings settings)
    {
        var roots = new X509Certificate2Collection();
        foreach (var file in settings.TrustedServerCaFiles)
        {
            if (!File.Exists(file))
            {
                throw new TenantException($"trusted_server_ca file {file} does not exist");
            }

            try
            {
                roots.ImportFromPemFile(file);
            }
            catch (CryptographicException e)
            {
                throw new TenantException($"trusted_server_ca file {file} holds no readable PEM certificate: {e.Message}", e);
            }
        }

        return new TlsCredentials(LoadClientCertificate(settings), roots, settings.VerifyServerCertificate);
    }

    private static X509Certificate2? LoadClientCertificate(TenantSettings s)
    {
        if (s.ClientCertFile is null || s.ClientKeyFile is null)
        {
            return null;
        }

        foreach (var (file, option) in new[] { (s.ClientCertFile, "client_cert"), (s.ClientKeyFile, "client_key") })
        {
            if (!File.Exists(file))
            {
                throw new TenantException($"{option} file {file} does not exist (tenant.conf tls_dir/{option})");
            }
        }

        try
        {
            return s.ClientKeyPassword is { Length: > 0 } password
                ? X509Certificate2.CreateFromEncryptedPemFile(s.ClientCertFile, password, s.ClientKeyFile)
                : X509Certificate2.CreateFromPemFile(s.ClientCertFile, s.ClientKeyFile);
        }
        catch (CryptographicException e)
        {
            throw new TenantException($"cannot load the client certificate {s.ClientCertFile} with key {s.ClientKeyFile}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks a server certificate against <see cref="TrustedRoots"/>; returns null when trusted,
    /// else the reason (used in the TLS failure line).
    /// </summary>
    public string? ServerCertificateProblem(X509Certificate? certificate, X509Chain? presentedChain)
    {
        if (!VerifyServer)
        {
            return null;
        }

        if (certificate is null)
        {
            return "the server sent no certificate";
        }

        if (TrustedRoots.Count == 0)
        {
            return "no trusted_server_ca configured to verify the server certificate";
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(TrustedRoots);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.ApplicationPolicy.Add(ServerAuth);
        if (presentedChain is not null)
        {
            policy.ExtraStore.AddRange(presentedChain.ChainPolicy.ExtraStore);
        }

        if (chain.Build(leaf))
        {
            return null;
        }

        var problems = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
        return $"server certificate '{leaf.Subject}' is not trusted by trusted_server_ca ({string.Join(", ", problems)})";
    }

    /// <summary>Client-side TLS options for one connection; <paramref name="problem"/> receives a rejection reason.</summary>
    public SslClientAuthenticationOptions ClientOptions(Action<string> problem)
    {
        var options = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                var reason = ServerCertificateProblem(certificate, chain);
                if (reason is not null)
                {
                    problem(reason);
                }

                return reason is null;
            },
        };
        if (ClientCertificate is not null)
        {
            // A certificate context (not a collection) so it is sent whatever CA names the server lists.
            options.ClientCertificateContext = SslStreamCertificateContext.Create(ClientCertificate, null);
        }

        return options;
    }

    public void Dispose()
    {
        ClientCertificate?.Dispose();
        foreach (var root in TrustedRoots)
        {
            root.Dispose();
        }
    }
}
