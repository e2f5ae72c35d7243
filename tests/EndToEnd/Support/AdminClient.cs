using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Keylime.EndToEnd.Support;

/// <summary>One attestation as the verifier's admin API shows it.</summary>
public sealed record Verdict(int Index, string Stage, string Evaluation, string? FailureReason)
{
    public bool Complete => Evaluation is "pass" or "fail";
}

/// <summary>
/// The verifier's admin API over mTLS with the cv_ca client certificate (CN=admin): attestation
/// verdicts (<c>GET /v3.0/agents/{id}/attestations[/latest]</c>) and the status the tenant shows
/// (<c>GET /v2.6/agents/{id}</c> → <c>attestation_status</c>).
/// </summary>
public sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _client;

    public AdminClient(string keylimeDir, int verifierPort)
    {
        var caDir = Path.Combine(keylimeDir, "cv_ca");
        _ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(caDir, "cacert.crt"));
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(caDir, "client-cert.crt"), Path.Combine(caDir, "client-private.pem"));
        _client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [_client];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is null)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var cert = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(cert);
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{verifierPort}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    /// <summary>The latest attestation, or null when there is none yet (404).</summary>
    public async Task<Verdict?> LatestAsync(string agentId)
    {
        using var response = await _http.GetAsync($"/v3.0/agents/{agentId}/attestations/latest");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET attestations/latest: {(int)response.StatusCode} {body}");
        return Parse(JsonNode.Parse(body)!["data"]!);
    }

    /// <summary>Every attestation of the agent the verifier keeps, by index.</summary>
    public async Task<IReadOnlyList<Verdict>> AllAsync(string agentId)
    {
        using var response = await _http.GetAsync($"/v3.0/agents/{agentId}/attestations");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET attestations: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["data"]!.AsArray().Select(n => Parse(n!)).OrderBy(v => v.Index).ToList();
    }

    /// <summary><c>attestation_status</c> (PENDING, PASS, FAIL, TIMEOUT) of the v2 status the tenant prints.</summary>
    public async Task<string?> StatusAsync(string agentId)
    {
        using var response = await _http.GetAsync($"/v2.6/agents/{agentId}");
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return body["results"]?["attestation_status"]?.GetValue<string>();
    }

    public void Dispose()
    {
        _http.Dispose();
        _client.Dispose();
        _ca.Dispose();
    }

    private static Verdict Parse(JsonNode data)
    {
        var attributes = data["attributes"]!;
        var self = data["links"]?["self"]?.GetValue<string>() ?? "";
        var index = attributes["index"]?.GetValue<int>() ?? int.Parse(self[(self.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return new Verdict(
            index,
            attributes["stage"]?.GetValue<string>() ?? "",
            attributes["evaluation"]?.GetValue<string>() ?? "",
            attributes["failure_reason"]?.GetValue<string>());
    }
}
