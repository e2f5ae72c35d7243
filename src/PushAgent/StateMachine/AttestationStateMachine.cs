using System.Net;
using Keylime.PushAgent.Clients;
using Keylime.PushAgent.Evidence;
using Keylime.PushAgent.Protocol;
using Microsoft.Extensions.Logging;

namespace Keylime.PushAgent.StateMachine;

/// <summary>
/// Unregistered → Registered → Negotiating ⇄ Attesting, with RegistrationFailed and
/// AttestationFailed waiting <c>attestation_interval_seconds</c> before trying again
/// (spec/push-agent.md §2.1). Every transition is logged, and so is the verifier's reason when it
/// refuses capabilities or evidence — "stuck in Negotiating" must be diagnosable from the journal.
/// </summary>
public sealed class AttestationStateMachine
{
    private readonly AgentIdentity _identity;
    private readonly Func<string, CancellationToken, Task> _register;
    private readonly VerifierClient _verifier;
    private readonly IAgentTpm _tpm;
    private readonly EvidenceSources _sources;
    private readonly DateTimeOffset _bootTime;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private CapabilitiesResponse? _requested;
    private Uri? _evidenceUrl;
    private int _unauthorizedInARow;
    private int _forbiddenInARow;

    /// <summary>Consecutive 403 rounds after which the token is dropped all the same (see <see cref="Forbidden"/>).</summary>
    internal const int ForbiddenRoundsBeforeReauthentication = 3;

    public AttestationStateMachine(
        AgentIdentity identity,
        Func<string, CancellationToken, Task> register,
        VerifierClient verifier,
        IAgentTpm tpm,
        EvidenceSources sources,
        DateTimeOffset bootTime,
        TimeSpan interval,
        TimeProvider time,
        ILogger logger)
    {
        _identity = identity;
        _register = register;
        _verifier = verifier;
        _tpm = tpm;
        _sources = sources;
        _bootTime = bootTime;
        _interval = interval;
        _time = time;
        _logger = logger;
    }

    public AgentState State { get; private set; } = AgentState.Unregistered;

    /// <summary>Raised after every transition (old, new); tests and metrics watch it.</summary>
    public event Action<AgentState, AgentState>? Transitioned;

    /// <summary>When the current wait (next attestation, or retry after a failure) ends; null while working.</summary>
    public DateTimeOffset? WaitingUntil { get; private set; }

    /// <summary>Number of evidence submissions the verifier accepted (202).</summary>
    public int AcceptedEvidence { get; private set; }

    /// <summary>Runs until cancelled (SIGTERM): the agent never gives up on its own.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Push agent {AgentId} starting in state {State}; verifier {Url}", _identity.VerifierId, State, _verifier.VerifierUrl);
        while (!cancellationToken.IsCancellationRequested)
        {
            AgentState next;
            try
            {
                next = await StepAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            var previous = State;
            State = next;
            _logger.LogInformation("State {From} → {To}", previous, next);
            Transitioned?.Invoke(previous, next);
        }

        _logger.LogInformation("Push agent stopping in state {State}", State);
    }

    internal async Task<AgentState> StepAsync(CancellationToken cancellationToken) => State switch
    {
        AgentState.Unregistered => await RegisterAsync(cancellationToken),
        AgentState.Registered => AgentState.Negotiating,
        AgentState.Negotiating => await NegotiateAsync(cancellationToken),
        AgentState.Attesting => await AttestAsync(cancellationToken),
        AgentState.RegistrationFailed => await WaitThen(_interval, AgentState.Unregistered, cancellationToken),
        _ => await WaitThen(_interval, AgentState.Negotiating, cancellationToken),
    };

    private async Task<AgentState> RegisterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _register(_identity.RegistrationId, cancellationToken);
            return AgentState.Registered;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogError("Registration failed: {Reason}; retrying in {Seconds} s", e.Message, _interval.TotalSeconds);
            return AgentState.RegistrationFailed;
        }
    }

    private async Task<AgentState> NegotiateAsync(CancellationToken cancellationToken)
    {
        VerifierReply reply;
        try
        {
            var capabilities = Capabilities.Build(_tpm, _sources, _bootTime);
            _logger.LogInformation("Sending capabilities to {Url}", _verifier.AttestationsUrl);
            reply = await _verifier.SendCapabilitiesAsync(capabilities, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogError("Capabilities negotiation failed: {Reason}", e.Message);
            return AgentState.AttestationFailed;
        }

        if (reply.Status == HttpStatusCode.Unauthorized)
        {
            return Unauthorized("capabilities");
        }

        _unauthorizedInARow = 0;
        Forbidden(reply.Status);
        if (reply.Status != HttpStatusCode.Created)
        {
            _logger.LogError("Verifier refused the capabilities with {Status}: {Detail}", (int)reply.Status, reply.Detail);
            return AgentState.AttestationFailed;
        }

        _requested = JsonApi.TryParse(reply.Body, AgentJsonContext.Default.CapabilitiesResponse);
        _evidenceUrl = _verifier.ResolveLocation(reply.Location);
        if (_evidenceUrl is null)
        {
            _logger.LogError("Verifier answered 201 without a usable Location header ({Location})", reply.Location);
            return AgentState.AttestationFailed;
        }

        _logger.LogInformation("Verifier requested evidence; it goes to {Url}", _evidenceUrl);
        return AgentState.Attesting;
    }

    private async Task<AgentState> AttestAsync(CancellationToken cancellationToken)
    {
        EvidenceSubmission evidence;
        try
        {
            evidence = _requested is null
                ? throw new EvidenceException("the verifier's 201 body is not a valid evidence request")
                : EvidenceCollector.Collect(_requested, _tpm, _sources);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogError("Cannot collect the requested evidence: {Reason}; telling the verifier", e.Message);
            evidence = EvidenceSubmission.Error;
        }

        VerifierReply reply;
        try
        {
            reply = await _verifier.SendEvidenceAsync(_evidenceUrl!, evidence, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogError("Sending evidence failed: {Reason}", e.Message);
            return AgentState.AttestationFailed;
        }

        if (reply.Status == HttpStatusCode.Unauthorized)
        {
            return Unauthorized("evidence");
        }

        _unauthorizedInARow = 0;
        Forbidden(reply.Status);
        if (reply.Status != HttpStatusCode.Accepted)
        {
            _logger.LogError("Verifier refused the evidence with {Status}: {Detail}", (int)reply.Status, reply.Detail);
            return AgentState.AttestationFailed;
        }

        AcceptedEvidence++;
        _forbiddenInARow = 0;
        var wait = NextAttestationDelay(reply.Body);
        _logger.LogInformation("SUCCESS! Evidence accepted by the verifier; next attestation in {Seconds} s", wait.TotalSeconds);
        return await WaitThen(wait, AgentState.Negotiating, cancellationToken);
    }

    /// <summary>
    /// A 401 means the token is gone (dropped by the client): negotiate again at once. Twice in a
    /// row means fresh tokens are refused too; then wait like any failure instead of spinning (§9.7).
    /// </summary>
    private AgentState Unauthorized(string what)
    {
        _unauthorizedInARow++;
        _forbiddenInARow = 0;
        _logger.LogWarning("Verifier answered 401 to the {What}; authenticating again", what);
        return _unauthorizedInARow >= 2 ? AgentState.AttestationFailed : AgentState.Negotiating;
    }

    /// <summary>
    /// A 403 is an ordinary refusal (spec §2.1: AttestationFailed, wait the interval, negotiate
    /// again) with the same token — a valid token is what earned the 403, and a new session per
    /// 403 would run into the verifier's session rate limit. Only when 403s persist for
    /// <see cref="ForbiddenRoundsBeforeReauthentication"/> rounds is the token dropped, as spec §2.3
    /// drops it, so a verifier that ties its refusal to the session still gets a fresh one: at most
    /// one new session per three intervals.
    /// </summary>
    private void Forbidden(HttpStatusCode status)
    {
        if (status != HttpStatusCode.Forbidden)
        {
            return; // the count ends with accepted evidence or a new token, not with a 201 in between
        }

        if (++_forbiddenInARow >= ForbiddenRoundsBeforeReauthentication)
        {
            _logger.LogWarning("Verifier answered 403 {Count} rounds in a row; authenticating again next round", _forbiddenInARow);
            _forbiddenInARow = 0;
            _verifier.ForgetToken();
        }
    }

    /// <summary><c>meta.seconds_to_next_attestation</c> of the 202, else the configured interval.</summary>
    internal TimeSpan NextAttestationDelay(string body) =>
        JsonApi.TryParse(body, AgentJsonContext.Default.EvidenceAccepted)?.Meta?.SecondsToNextAttestation is { } s and >= 0
            ? TimeSpan.FromSeconds(s)
            : _interval;

    private async Task<AgentState> WaitThen(TimeSpan delay, AgentState next, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
        {
            var wait = Task.Delay(delay, _time, cancellationToken);
            WaitingUntil = _time.GetUtcNow() + delay;
            try
            {
                await wait;
            }
            finally
            {
                WaitingUntil = null;
            }
        }

        return next;
    }
}
