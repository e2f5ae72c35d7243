using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Keylime.PushAgent.Clients;
using Keylime.PushAgent.Evidence;
using Keylime.PushAgent.Protocol;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keylime.LoadGenerator;

/// <summary>
/// One simulated push agent: the push agent's software TPM (a real P-256 or RSA-2048 AK signing
/// real TPMS_ATTEST structures over its PCR banks), its PoP session client, capabilities builder
/// and evidence collector — only the scheduling is the load generator's own: cycles run back to
/// back and each waits for the verifier's verdict.
/// </summary>
public sealed class SimulatedAgent : IDisposable
{
    private const string MediaType = "application/vnd.api+json";
    private static readonly DateTimeOffset BootTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly VerifierEndpoints _endpoints;
    private readonly Uri _attestations;
    private readonly SoftwareTpm _tpm;
    private readonly ProtocolTpm _protocol;
    private readonly PopSession _session;
    private readonly EvidenceSources _sources;
    private readonly SimulatedIma? _ima;
    private readonly int _imaPerCycle;
    private double _verdictWaitMs = 5;

    /// <param name="sharedEkPkcs8">
    /// One software EK for all agents: the verifier never sees the EK (it only enters the AK's
    /// qualified name), and generating an RSA-2048 key per agent would dominate start-up. Each agent
    /// still gets its own AK.
    /// </param>
    public SimulatedAgent(string agentId, AkKind ak, VerifierEndpoints endpoints, string workDirectory, byte[] sharedEkPkcs8, int? imaEntriesPerCycle)
    {
        AgentId = agentId;
        _endpoints = endpoints;
        _attestations = endpoints.Attestations(agentId); // parsed once: a Uri costs microseconds per cycle otherwise
        var directory = Directory.CreateDirectory(Path.Combine(workDirectory, agentId)).FullName;
        var agentData = Path.Combine(directory, AgentDataStore.FileName);
        // The software TPM takes its EK from agent_data.json; the empty AK fields never match, so it makes a new AK.
        AgentDataStore.Save(agentData, new AgentData
        {
            AkHashAlg = "", AkSignAlg = "", AkKeyAlg = "", AkPublic = "", AkPrivate = "", EkName = "",
            SoftwareEkPrivate = Convert.ToBase64String(sharedEkPkcs8),
        });
        _tpm = new SoftwareTpm(agentData, NullLogger<SoftwareTpm>.Instance);
        var ek = _tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var key = _tpm.LoadAttestationKey(TpmAlg.Sha256, ak == AkKind.Ecc ? TpmAlg.EcDsa : TpmAlg.RsaSsa, agentData);
        AkPublic = key.Public;
        _protocol = new ProtocolTpm(_tpm, ek, key);
        // No per-request retries: the load generator counts a refused session as a failed cycle and backs off itself.
        var sessionHttp = new RetryingHttp(
            endpoints.Agents, new Keylime.PushAgent.Configuration.BackoffSettings(TimeSpan.FromSeconds(1), 0, TimeSpan.FromSeconds(1)),
            TimeSpan.FromSeconds(30), TimeProvider.System, NullLogger.Instance);
        _session = new PopSession(sessionHttp, endpoints.Sessions, agentId, _protocol, NullLogger.Instance);
        var imaPath = Path.Combine(directory, "ascii_runtime_measurements");
        if (imaEntriesPerCycle is { } perCycle)
        {
            _ima = new SimulatedIma(imaPath, _tpm);
            _imaPerCycle = perCycle;
        }

        _sources = new EvidenceSources(new ImaLog(imaPath), UefiLog.Load(Path.Combine(directory, "no-uefi-log")));
        // The PCR the enrollment's tpm_policy pins (see EnrollmentBody): a value the verifier must find in every quote.
        _tpm.ExtendPcr(PolicyPcr, TpmAlg.Sha256, PolicyDigest);
    }

    /// <summary>PCR 15 extended once from zero with SHA-256("loadgen"): the enrolled tpm_policy expects it.</summary>
    public const int PolicyPcr = 15;

    private static readonly byte[] PolicyDigest = System.Security.Cryptography.SHA256.HashData("loadgen"u8);

    public static string PolicyPcrValue { get; } =
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. new byte[32], .. PolicyDigest]));

    public string AgentId { get; }

    /// <summary>TPM2B_PUBLIC of the AK, enrolled as <c>ak_tpm</c>.</summary>
    public byte[] AkPublic { get; }

    /// <summary>
    /// The tenant's enrollment body (spec/captures/verifier.md #2) with this agent's AK, a PCR 15
    /// policy, and optionally a runtime policy (by value for the first agent, by name after).
    /// </summary>
    public JsonObject EnrollmentBody(string? runtimePolicyName, string? runtimePolicyJson) => new()
    {
        ["v"] = null,
        ["cloudagent_ip"] = null,
        ["cloudagent_port"] = null,
        ["verifier_ip"] = _endpoints.BaseUrl.Host,
        ["verifier_port"] = _endpoints.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["tpm_policy"] = $"{{\"{PolicyPcr}\": [\"{PolicyPcrValue}\"], \"mask\": \"0x{1 << PolicyPcr:x}\"}}",
        ["runtime_policy"] = runtimePolicyJson is null ? "" : Convert.ToBase64String(Encoding.UTF8.GetBytes(runtimePolicyJson)),
        ["runtime_policy_name"] = runtimePolicyName ?? "",
        ["runtime_policy_key"] = "",
        ["mb_policy"] = null,
        ["mb_policy_name"] = "",
        ["ima_sign_verification_keys"] = "",
        ["metadata"] = "{}",
        ["revocation_key"] = "",
        ["accept_tpm_hash_algs"] = new JsonArray("sha512", "sha384", "sha256"),
        ["accept_tpm_encryption_algs"] = new JsonArray("ecc", "rsa"),
        ["accept_tpm_signing_algs"] = new JsonArray("ecdsa", "rsassa"),
        ["ak_tpm"] = Convert.ToBase64String(AkPublic),
        ["mtls_cert"] = null,
        ["supported_version"] = "2.6",
    };

    public async Task EnrollAsync(string? runtimePolicyName, string? runtimePolicyJson, CancellationToken cancellationToken)
    {
        using var content = new StringContent(EnrollmentBody(runtimePolicyName, runtimePolicyJson).ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _endpoints.Admin.PostAsync(_endpoints.Enrollment(AgentId), content, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(
                $"enrolling {AgentId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>PoP session: POST, TPM2_Certify over the challenge, PATCH; the token is kept for the cycles.</summary>
    public Task AuthenticateAsync(CancellationToken cancellationToken) => _session.TokenAsync(cancellationToken);

    /// <summary>One full cycle: capabilities POST, quote (+ IMA entries), evidence PATCH, then the verdict.</summary>
    public async Task<CycleResult> CycleAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        _ima?.Append(_imaPerCycle);
        var token = await _session.TokenAsync(cancellationToken);
        var capabilities = Capabilities.Build(_protocol, _sources, BootTime);
        var (status, body, location) = await SendAsync(HttpMethod.Post, _attestations, token, capabilities,
            AgentJsonContext.Default.CapabilitiesRequest, cancellationToken);
        if (status != HttpStatusCode.Created || location is null)
        {
            return Refused("POST attestations", status, body, location is null && status == HttpStatusCode.Created ? "no Location" : null);
        }

        var target = location.IsAbsoluteUri ? location : new Uri(_endpoints.BaseUrl, location);
        EvidenceSubmission evidence;
        try
        {
            var requested = JsonSerializer.Deserialize(body, AgentJsonContext.Default.CapabilitiesResponse);
            evidence = EvidenceCollector.Collect(requested!, _protocol, _sources);
        }
        catch (Exception e) when (e is EvidenceException or JsonException)
        {
            return CycleResult.Failed("evidence not collectable", e.Message);
        }

        (status, body, _) = await SendAsync(HttpMethod.Patch, target, token, evidence, AgentJsonContext.Default.EvidenceSubmission, cancellationToken);
        if (status != HttpStatusCode.Accepted)
        {
            return Refused("PATCH evidence", status, body, null);
        }

        var accepted = Stopwatch.GetTimestamp();
        var (verdict, polls) = await AwaitVerdictAsync(target, token, cancellationToken);
        _verdictWaitMs = (0.8 * _verdictWaitMs) + (0.2 * Stopwatch.GetElapsedTime(accepted).TotalMilliseconds);
        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return verdict switch
        {
            { Evaluation: "pass" } => CycleResult.Passed(latency, polls),
            null => CycleResult.Failed("verdict GET failed", null),
            _ => CycleResult.Failed($"verdict {verdict.Evaluation} ({verdict.FailureReason ?? "no reason"})", null),
        };
    }

    public void Dispose() => _tpm.Dispose();

    private CycleResult Refused(string what, HttpStatusCode status, byte[] body, string? note)
    {
        // Only a 401 means the token is bad. (The Rust agent also re-authenticates after a 403, but a
        // 403 here is a timed-out or refused agent, and re-authenticating every cycle would only run
        // into the per-agent session rate limit.)
        if (status is HttpStatusCode.Unauthorized)
        {
            _session.Invalidate();
        }

        var text = Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)));
        return CycleResult.Failed($"{what} {(int)status}", note ?? text);
    }

    /// <summary>
    /// Polls the attestation (as the agent itself) until verification completes. The first poll
    /// comes after the recent average wait, later ones a quarter of it apart, so a run costs the
    /// verifier few extra GETs whatever its speed.
    /// </summary>
    private async Task<(AttestationVerdict? Verdict, int Polls)> AwaitVerdictAsync(Uri attestation, string token, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * 30.0);
        var wait = TimeSpan.FromMilliseconds(Math.Clamp(_verdictWaitMs * 0.9, 1, 5000));
        for (var polls = 1; ; polls++)
        {
            await Task.Delay(wait, cancellationToken);
            var (status, body, _) = await SendAsync<object>(HttpMethod.Get, attestation, token, null, null, cancellationToken);
            if (status != HttpStatusCode.OK)
            {
                return (null, polls);
            }

            var verdict = JsonSerializer.Deserialize(body, LoadJson.Default.AttestationDocument)?.Data?.Attributes;
            if (verdict?.Stage == "verification_complete" || Stopwatch.GetTimestamp() > deadline)
            {
                return (verdict, polls);
            }

            // A slow verifier is not polled into the ground: the gaps grow with its observed delay.
            wait = TimeSpan.FromMilliseconds(Math.Clamp(_verdictWaitMs / 4, 1, 1000));
        }
    }

    private async Task<(HttpStatusCode Status, byte[] Body, Uri? Location)> SendAsync<T>(
        HttpMethod method, Uri url, string token, T? body, JsonTypeInfo<T>? type, CancellationToken cancellationToken)
    {
        // Headers added unparsed: the typed header values cost a parse and several allocations per request.
        using var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        request.Headers.TryAddWithoutValidation("Accept", MediaType);
        if (body is not null && type is not null)
        {
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", MediaType);
        }

        using var response = await _endpoints.Agents.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken), response.Headers.Location);
    }
}

/// <summary>How one cycle ended: a verified pass (with its latency and verdict polls) or a failure of some kind.</summary>
public sealed record CycleResult(bool Pass, double LatencyMs, int Polls, string? FailureKind, string? Detail)
{
    public static CycleResult Passed(double latencyMs, int polls) => new(true, latencyMs, polls, null, null);

    public static CycleResult Failed(string kind, string? detail) => new(false, 0, 0, kind, detail);
}
