using System.Net;
using System.Net.Http.Headers;
using Keylime.PushAgent.Protocol;

namespace Keylime.PushAgent.Clients;

/// <summary>
/// The attestation calls to the verifier (spec/push-agent.md §6): capabilities POST and evidence
/// PATCH, each through the retry layer with the PoP bearer token. A 401 drops the token (an
/// unknown, expired or inactive token, spec/verifier.md §6.5). A 403 does not: the verifier sends it
/// for a valid token whose action is refused (old attestation, evidence already received, challenge
/// expired), which a new session cannot change — the Rust agent re-authenticates anyway (§9.17),
/// and an agent meeting 403 every round then runs into the session rate limit. Status codes are
/// returned, not judged: the state machine decides what they mean.
/// </summary>
public sealed class VerifierClient
{
    private readonly RetryingHttp _http;
    private readonly PopSession _session;

    public VerifierClient(RetryingHttp http, PopSession session, Uri verifierUrl, string apiVersion, string agentId)
    {
        _http = http;
        _session = session;
        VerifierUrl = verifierUrl;
        AttestationsUrl = new Uri(verifierUrl, $"{apiVersion}/agents/{Uri.EscapeDataString(agentId)}/attestations");
    }

    public Uri VerifierUrl { get; }

    public Uri AttestationsUrl { get; }

    /// <summary>Drops the token so the next request authenticates again (the state machine's call after repeated 403s).</summary>
    public void ForgetToken() => _session.Invalidate();

    public Task<VerifierReply> SendCapabilitiesAsync(CapabilitiesRequest body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, AttestationsUrl, body, AgentJsonContext.Default.CapabilitiesRequest, cancellationToken);

    public Task<VerifierReply> SendEvidenceAsync(Uri location, EvidenceSubmission body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, location, body, AgentJsonContext.Default.EvidenceSubmission, cancellationToken);

    /// <summary>
    /// Where to PATCH the evidence: the 201's <c>Location</c> resolved against the verifier URL
    /// (spec §6.2). Null when the header is missing or unusable.
    /// </summary>
    public Uri? ResolveLocation(Uri? location)
    {
        if (location is null)
        {
            return null;
        }

        var text = location.OriginalString;
        if (text.Any(char.IsControl))
        {
            return null;
        }

        if (location.IsAbsoluteUri && location.Scheme is "http" or "https")
        {
            return location;
        }

        // "//x" would be read as a host; Keylime treats it as a path. Collapse repeated slashes.
        while (text.Contains("//", StringComparison.Ordinal))
        {
            text = text.Replace("//", "/", StringComparison.Ordinal);
        }

        return Uri.TryCreate(VerifierUrl, text, out var resolved) ? resolved : null;
    }

    private async Task<VerifierReply> SendAsync<T>(
        HttpMethod method, Uri url, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var token = await _session.TokenAsync(cancellationToken);
        using var response = await _http.SendAsync(
            () =>
            {
                var request = JsonApi.Request(method, url, body, type);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                return request;
            },
            cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized)
        {
            _session.Invalidate();
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return new VerifierReply(response.StatusCode, text, response.Headers.Location);
    }
}

/// <summary>What the verifier answered: status, body and <c>Location</c> (for a 201).</summary>
public sealed record VerifierReply(HttpStatusCode Status, string Body, Uri? Location)
{
    public string Detail => JsonApi.Detail(Body);
}
