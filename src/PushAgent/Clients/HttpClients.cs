using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Keylime.PushAgent.Clients;

/// <summary>
/// HTTP clients for the registrar and the verifier. Trust is the system roots plus the configured
/// Keylime CA (a private CA is the normal case); no client certificate is ever presented
/// (spec/push-agent.md §7). Timeouts are per attempt and live in <see cref="RetryingHttp"/>.
/// </summary>
public static class HttpClients
{
    /// <param name="connectTimeout">
    /// How long a new connection (TCP + TLS handshake) may take: the attempt timeout. Cancelling a
    /// request does not cancel the connection attempt it started — the pool keeps it for the next
    /// request — so without this bound a handshake the server never answers stalls every retry
    /// queued behind it until the OS gives up, long after the verifier has recovered.
    /// </param>
    public static HttpClient Create(string? caCertificateFile, bool acceptAnyCertificate, bool acceptInvalidHostnames, TimeSpan? connectTimeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = true,
            ConnectTimeout = connectTimeout ?? Timeout.InfiniteTimeSpan,
        };
        if (acceptAnyCertificate)
        {
            // --insecure: the operator asked, for testing, not to check the verifier's identity.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else
        {
            var roots = LoadRoots(caCertificateFile);
            handler.SslOptions.RemoteCertificateValidationCallback =
                (_, certificate, chain, errors) => Validate(certificate, chain, errors, roots, acceptInvalidHostnames);
        }

        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static X509Certificate2Collection LoadRoots(string? file)
    {
        var roots = new X509Certificate2Collection();
        if (file is not null)
        {
            roots.ImportFromPemFile(file);
        }

        return roots;
    }

    internal static bool Validate(
        X509Certificate? certificate, X509Chain? systemChain, SslPolicyErrors errors, X509Certificate2Collection roots, bool acceptInvalidHostnames)
    {
        if (acceptInvalidHostnames)
        {
            errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
        }

        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // Only a chain the system does not trust can be rescued, by the Keylime CA file.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || roots.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (systemChain is not null)
        {
            foreach (var element in systemChain.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (certificate is X509Certificate2 leaf)
        {
            return chain.Build(leaf);
        }

        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(copy);
    }
}
