using Keylime.PushAgent.Evidence;
using Keylime.PushAgent.Protocol;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace Keylime.PushAgent.Clients;

/// <summary>
/// The agent's bearer token from the verifier's proof-of-possession session (spec/push-agent.md
/// §5): POST a session, TPM2_Certify the AK over the challenge, PATCH the proof, keep the token.
/// Both calls go through the same retry layer as every other request (§2.2), so a 429 from the
/// session rate limiter (spec/verifier.md §6.7) is retried after its <c>Retry-After</c> instead of
/// failing at once (the Rust agent ignores it there). The token is reused until the verifier
/// answers 401 (§2.3); it is never logged, only the first 8 hex characters of its SHA-256.
/// </summary>
public sealed class PopSession
{
    private const int Attempts = 3;
    private static readonly TimeSpan AttemptPause = TimeSpan.FromSeconds(1);
    private readonly RetryingHttp _http;
    private readonly Uri _sessionsUrl;
    private readonly string _agentId;
    private readonly IAgentTpm _tpm;
    private readonly ILogger _logger;
    private string? _token;

    public PopSession(RetryingHttp http, Uri sessionsUrl, string agentId, IAgentTpm tpm, ILogger logger)
    {
        _http = http;
        _sessionsUrl = sessionsUrl;
        _agentId = agentId;
        _tpm = tpm;
        _logger = logger;
    }

    public bool HasToken => _token is not null;

    /// <summary>
    /// The cached token, or a new one from a fresh PoP session: up to 3 attempts 1 s apart for
    /// refusals the retry layer does not handle (a failed proof, an unusable answer). Transient
    /// failures were already retried by that layer (with backoff or Retry-After); repeating them
    /// here would only press on a rate limiter that has just said no.
    /// </summary>
    public async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        if (_token is { } cached)
        {
            return cached;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _token = await AuthenticateAsync(cancellationToken);
                _logger.LogInformation("Authenticated to the verifier; token <hash:{Hash}>", TokenHash(_token));
                return _token;
            }
            catch (VerifierAuthenticationException e) when (!e.Transient && attempt < Attempts && !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("PoP authentication attempt {Attempt} failed: {Reason}", attempt, e.Message);
                await Task.Delay(AttemptPause, _http.Time, cancellationToken);
            }
        }
    }

    /// <summary>Drops the token after a 401 (or repeated 403s, see the state machine) so the next request authenticates again.</summary>
    public void Invalidate()
    {
        if (_token is not null)
        {
            _logger.LogInformation("Verifier refused token <hash:{Hash}>; will authenticate again", TokenHash(_token));
        }

        _token = null;
    }

    private async Task<string> AuthenticateAsync(CancellationToken cancellationToken)
    {
        var open = new SessionRequest(new SessionRequestData(
            "session", new SessionRequestAttributes(_agentId, AuthenticationSupported: [AuthenticationMethod.TpmPop])));
        var created = await SendAsync(HttpMethod.Post, _sessionsUrl, open, cancellationToken);
        var sessionId = created.Data?.Id ?? throw new VerifierAuthenticationException("session response without data.id");
        var requested = created.Data.Attributes?.AuthenticationRequested;
        var challengeText = (requested is { Count: > 0 } ? requested[0].ChosenParameters?.Challenge : null)
            ?? throw new VerifierAuthenticationException("session response without a challenge");
        byte[] challenge;
        try
        {
            challenge = Convert.FromBase64String(challengeText);
        }
        catch (FormatException)
        {
            throw new VerifierAuthenticationException("session challenge is not base64");
        }

        var proof = _tpm.Certify(challenge);
        var provide = new SessionRequest(new SessionRequestData(
            "session",
            new SessionRequestAttributes(_agentId, AuthenticationProvided:
            [
                new AuthenticationProof("pop", "tpm_pop", new ProofData(Convert.ToBase64String(proof.Message), Convert.ToBase64String(proof.Signature))),
            ]),
            sessionId));
        var answered = await SendAsync(HttpMethod.Patch, new Uri(_sessionsUrl + "/" + Uri.EscapeDataString(sessionId)), provide, cancellationToken);
        var attributes = answered.Data?.Attributes;
        if (attributes?.Evaluation != "pass" || string.IsNullOrEmpty(attributes.Token))
        {
            throw new VerifierAuthenticationException(
                $"verifier did not accept the proof (evaluation '{attributes?.Evaluation ?? "missing"}'); is the agent enrolled?");
        }

        return attributes.Token;
    }

    private async Task<SessionResponse> SendAsync(HttpMethod method, Uri url, SessionRequest body, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        string text;
        try
        {
            response = await _http.SendAsync(
                () => JsonApi.Request(method, url, body, AgentJsonContext.Default.SessionRequest), cancellationToken, withRequestId: false);
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            throw new VerifierAuthenticationException($"{method} {url.AbsolutePath}: {e.Message}", e) { Transient = true };
        }

        using var disposeResponse = response;
        if (!response.IsSuccessStatusCode)
        {
            throw new VerifierAuthenticationException($"{method} {url.AbsolutePath} answered {(int)response.StatusCode}: {JsonApi.Detail(text)}")
            {
                Transient = RetryingHttp.ShouldRetry(Polly.Outcome.FromResult(response)),
            };
        }

        return JsonApi.TryParse(text, AgentJsonContext.Default.SessionResponse)
            ?? throw new VerifierAuthenticationException($"{method} {url.AbsolutePath}: unparsable session response");
    }

    internal static string TokenHash(string token) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)))[..8];
}

/// <summary>The verifier would not give the agent a token.</summary>
public sealed class VerifierAuthenticationException : Exception
{
    public VerifierAuthenticationException(string message)
        : base(message)
    {
    }

    public VerifierAuthenticationException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>A failure the retry layer already retried (connection, timeout, 5xx, 408, 429, Retry-After).</summary>
    public bool Transient { get; init; }
}
