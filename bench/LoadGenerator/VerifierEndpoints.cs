using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Keylime.PushAgent.Clients;

namespace Keylime.LoadGenerator;

/// <summary>
/// The two HTTPS identities of a load run against one verifier: the agents' (no client
/// certificate, bearer tokens; the push agent's own client factory) and the admin's (the tenant's
/// client certificate, for enrollment), both trusting the verifier's CA file.
/// </summary>
public sealed class VerifierEndpoints : IDisposable
{
    public const string ApiVersion = "v3.0";

    public VerifierEndpoints(LoadOptions options)
    {
        BaseUrl = options.Verifier;
        Agents = HttpClients.Create(options.CaCertificate, acceptAnyCertificate: false, acceptInvalidHostnames: false);
        Admin = CreateAdmin(options);
    }

    public Uri BaseUrl { get; }

    /// <summary>Shared by every simulated agent: one connection pool, as many connections as agents in flight.</summary>
    public HttpClient Agents { get; }

    public HttpClient Admin { get; }

    public Uri Sessions => new(BaseUrl, $"{ApiVersion}/sessions");

    public Uri Attestations(string agentId) => new(BaseUrl, $"{ApiVersion}/agents/{Uri.EscapeDataString(agentId)}/attestations");

    /// <summary>Keylime's tenant enrolls through the v2 admin API (spec/verifier.md §4.1).</summary>
    public Uri Enrollment(string agentId) => new(BaseUrl, $"v2.6/agents/{Uri.EscapeDataString(agentId)}");

    public void Dispose()
    {
        Agents.Dispose();
        Admin.Dispose();
    }

    private static HttpClient CreateAdmin(LoadOptions options)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(options.CaCertificate);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(options.ClientCertificate, options.ClientKey)];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            errors == SslPolicyErrors.None || (errors == SslPolicyErrors.RemoteCertificateChainErrors && ChainsTo(certificate, roots));
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    // The verifier's certificate is issued by its own CA (tls_dir = generate), which the system does not trust.
    private static bool ChainsTo(X509Certificate? certificate, X509Certificate2Collection roots)
    {
        if (certificate is not X509Certificate2 leaf)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
