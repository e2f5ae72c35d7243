using System.Net;
using Keylime.PushAgent.Protocol;

namespace Keylime.PushAgent.Clients;

/// <summary>
/// The registrar API v2.x calls of registration (spec/push-agent.md §4), plain JSON, each through
/// the retry layer. The URL (and with it TLS) is fixed at start-up, so every retry after a
/// RegistrationFailed uses the same registrar settings (the Rust agent loses them, §9.1).
/// </summary>
public sealed class RegistrarClient
{
    private const string Json = "application/json";
    private readonly RetryingHttp _http;

    public RegistrarClient(RetryingHttp http, Uri registrarUrl)
    {
        _http = http;
        RegistrarUrl = registrarUrl;
    }

    public Uri RegistrarUrl { get; }

    /// <summary><c>GET /version</c>; null when the registrar does not answer 2xx (version unknown).</summary>
    public async Task<RegistrarVersion?> GetVersionAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(
            () => JsonApi.Request(HttpMethod.Get, new Uri(RegistrarUrl, "version"), Json), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return JsonApi.TryParse(text, AgentJsonContext.Default.RegistrarEnvelopeRegistrarVersion)?.Results;
    }

    /// <summary><c>POST /v{version}/agents/{id}</c>; returns the credential blob.</summary>
    public async Task<byte[]> RegisterAsync(string version, string agentId, RegisterRequest body, CancellationToken cancellationToken)
    {
        var url = AgentUrl(version, agentId);
        using var response = await _http.SendAsync(
            () => JsonApi.Request(HttpMethod.Post, url, body, AgentJsonContext.Default.RegisterRequest, Json), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new RegistrarException(response.StatusCode, $"registrar refused the registration (403, TPM identity mismatch?): {JsonApi.Detail(text)}");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new RegistrarException(response.StatusCode, $"registration answered {(int)response.StatusCode}: {JsonApi.Detail(text)}");
        }

        var blob = JsonApi.TryParse(text, AgentJsonContext.Default.RegistrarEnvelopeRegistrationBlob)?.Results?.Blob
            ?? throw new RegistrarException(response.StatusCode, "registration response without results.blob");
        try
        {
            return Convert.FromBase64String(blob);
        }
        catch (FormatException)
        {
            throw new RegistrarException(response.StatusCode, "registration blob is not base64");
        }
    }

    /// <summary><c>PUT /v{version}/agents/{id}</c> with the auth_tag proving the AK is in the EK's TPM.</summary>
    public async Task ActivateAsync(string version, string agentId, string authTag, CancellationToken cancellationToken)
    {
        var url = AgentUrl(version, agentId);
        using var response = await _http.SendAsync(
            () => JsonApi.Request(HttpMethod.Put, url, new ActivateRequest(authTag), AgentJsonContext.Default.ActivateRequest, Json),
            cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistrarException(response.StatusCode, $"activation answered {(int)response.StatusCode}: {JsonApi.Detail(text)}");
        }
    }

    private Uri AgentUrl(string version, string agentId) =>
        new(RegistrarUrl, $"v{version}/agents/{Uri.EscapeDataString(agentId)}");
}

/// <summary>The registrar refused a step of registration.</summary>
public sealed class RegistrarException : Exception
{
    public RegistrarException(HttpStatusCode status, string message)
        : base(message)
    {
        Status = status;
    }

    public HttpStatusCode Status { get; }
}
