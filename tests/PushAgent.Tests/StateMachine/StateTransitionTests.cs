using System.Text.Json.Nodes;
using Keylime.PushAgent.StateMachine;
using Keylime.PushAgent.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Keylime.PushAgent.Tests.StateMachine;

/// <summary>
/// spec/push-agent.md §2.1: what each verifier/registrar answer does to the agent's state, and how
/// long it waits (fake time), against fake peers over real HTTPS.
/// </summary>
public sealed class StateTransitionTests : ScriptedPeers
{
    private AgentHarness Agent(Func<Keylime.PushAgent.Configuration.AgentSettings, Keylime.PushAgent.Configuration.AgentSettings>? tweak = null)
    {
        var settings = AgentHarness.SettingsFor(VerifierPeer.Url, RegistrarPeer.Url, Pki, Pki.Directory);
        settings = settings with { Backoff = new(TimeSpan.FromSeconds(10), 0, TimeSpan.FromSeconds(300)) };
        return new AgentHarness(tweak is null ? settings : tweak(settings));
    }

    private RecordedRequest[] Attestations(string method) =>
        VerifierPeer.Received.Where(r => r.Method == method && r.Path.Contains("/attestations", StringComparison.Ordinal)).ToArray();

    private RecordedRequest[] Sessions() =>
        VerifierPeer.Received.Where(r => r.Method == "POST" && r.Path.EndsWith("/sessions", StringComparison.Ordinal)).ToArray();

    [Fact]
    public async Task Accepted_evidence_waits_seconds_to_next_attestation_then_negotiates_again()
    {
        await using var agent = Agent();
        agent.Start();
        await Eventually.True(() => agent.Machine.WaitingUntil is not null, "waiting after 202");
        Assert.Equal(agent.Time.GetUtcNow().AddSeconds(30), agent.Machine.WaitingUntil);
        agent.Time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(200);
        Assert.Single(Attestations("POST"));
        agent.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.True(() => Attestations("POST").Length == 2, "second negotiation");
    }

    [Fact]
    public async Task Capabilities_refused_with_422_log_the_verifiers_detail_and_retry_after_the_interval()
    {
        Script.Capabilities.Enqueue(ScriptedVerifier.Error(422, "hash algorithm sha1 is not accepted"));
        await using var agent = Agent();
        agent.Start();
        await Eventually.True(() => agent.Machine.State == AgentState.AttestationFailed && agent.Machine.WaitingUntil is not null, "AttestationFailed");
        Assert.True(agent.Logs.Contains(LogLevel.Error, "Verifier refused the capabilities with 422: hash algorithm sha1 is not accepted"));
        Assert.Equal(agent.Time.GetUtcNow().AddSeconds(60), agent.Machine.WaitingUntil);
        agent.Time.Advance(TimeSpan.FromSeconds(60));
        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "evidence accepted after the retry");
        Assert.Contains((AgentState.AttestationFailed, AgentState.Negotiating), agent.Transitions);
    }

    [Fact]
    public async Task A_401_drops_the_token_and_negotiates_again_at_once_with_a_new_session()
    {
        Script.Capabilities.Enqueue(ScriptedVerifier.Error(401, "token expired"));
        await using var agent = Agent();
        agent.Start();
        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "evidence accepted");
        var posts = Attestations("POST");
        Assert.Equal("Bearer token-s1", posts[0].Header("Authorization"));
        Assert.Equal("Bearer token-s2", posts[1].Header("Authorization"));
        Assert.Contains((AgentState.Negotiating, AgentState.Negotiating), agent.Transitions);
    }

    [Fact]
    public async Task A_403_goes_to_AttestationFailed_and_the_next_round_keeps_the_token()
    {
        Script.Evidence.Enqueue(ScriptedVerifier.Error(403, "attestation is not the latest"));
        await using var agent = Agent();
        agent.Start();
        await Eventually.True(() => agent.Machine.State == AgentState.AttestationFailed && agent.Machine.WaitingUntil is not null, "AttestationFailed");
        Assert.True(agent.Logs.Contains(LogLevel.Error, "Verifier refused the evidence with 403: attestation is not the latest"));
        Assert.Equal(agent.Time.GetUtcNow().AddSeconds(60), agent.Machine.WaitingUntil);
        agent.Time.Advance(TimeSpan.FromSeconds(60));
        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "evidence accepted");
        Assert.All(Attestations("PATCH"), r => Assert.Equal("Bearer token-s1", r.Header("Authorization")));
        Assert.Single(Sessions());
    }

    [Fact]
    public async Task Only_403s_in_three_rounds_in_a_row_drop_the_token_so_a_403_never_hammers_the_sessions()
    {
        for (var i = 0; i < 4; i++)
        {
            Script.Evidence.Enqueue(ScriptedVerifier.Error(403, "challenges expired"));
        }

        await using var agent = Agent();
        agent.Start();
        for (var round = 1; round <= 4; round++)
        {
            await Eventually.True(() => Attestations("PATCH").Length == round && agent.Machine.WaitingUntil is not null, $"403 round {round}");
            Assert.Equal(round <= 3 ? 1 : 2, Sessions().Length);
            agent.Time.Advance(TimeSpan.FromSeconds(60));
        }

        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "evidence accepted");
        Assert.Equal(
            "token-s1 token-s1 token-s1 token-s2 token-s2",
            string.Join(" ", Attestations("PATCH").Select(r => r.Header("Authorization")?.Replace("Bearer ", "", StringComparison.Ordinal))));
        Assert.True(agent.Logs.Contains(LogLevel.Warning, "403 3 rounds in a row"));
    }

    [Fact]
    public async Task Evidence_that_cannot_be_collected_is_reported_with_the_error_document()
    {
        await using var agent = Agent(s => s with { MeasuredBootLogPath = Path.Combine(Pki.Directory, "no-uefi-log") });
        agent.Start();
        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "PATCH answered");
        var body = JsonNode.Parse(Attestations("PATCH")[0].Body)!;
        Assert.Equal("""{"data":{"type":"error","attributes":{"evidence_collected":[]}}}""", body.ToJsonString());
        Assert.True(agent.Logs.Contains(LogLevel.Error, "no-uefi-log"));
    }

    [Fact]
    public async Task Evidence_has_the_quote_the_IMA_entries_from_the_offset_and_the_UEFI_log()
    {
        await using var agent = Agent();
        agent.Start();
        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "evidence accepted");
        var collected = JsonNode.Parse(Attestations("PATCH")[0].Body)!["data"]!["attributes"]!["evidence_collected"]!.AsArray();
        Assert.Equal(["tpm_quote", "ima_log", "uefi_log"], collected.Select(e => e!["evidence_type"]!.GetValue<string>()).ToArray());
        Assert.Equal(6, collected[1]!["data"]!["entry_count"]!.GetValue<long>());
        var lines = File.ReadAllLines(agent.Settings.ImaLogPath);
        Assert.Equal(string.Join("\n", lines[820..]) + "\n", collected[1]!["data"]!["entries"]!.GetValue<string>());
        Assert.Equal(File.ReadAllBytes(agent.Settings.MeasuredBootLogPath), Convert.FromBase64String(collected[2]!["data"]!["entries"]!.GetValue<string>()));
        var (_, _, pcrs) = agent.Tpm.Quotes.First();
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 10, 16], pcrs);
    }

    [Fact]
    public async Task Registration_failure_waits_the_interval_and_retries_with_the_same_registrar_TLS()
    {
        var attempts = 0;
        await using var registrar = await FakePeer.StartAsync(
            r => r.Method == "POST" && Interlocked.Increment(ref attempts) == 1 ? new PeerResponse(500, "{}") : Peers.Registrar(r), Pki);
        await using var agent = Agent(s => s with { RegistrarUrl = registrar.Url, RegistrarCaCertificate = Pki.CaFile });
        agent.Start();
        await Eventually.True(() => agent.Machine.State == AgentState.RegistrationFailed && agent.Machine.WaitingUntil is not null, "RegistrationFailed");
        agent.Time.Advance(TimeSpan.FromSeconds(60));
        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "evidence accepted");
        Assert.Equal(2, registrar.Received.Count(r => r.Method == "GET"));
        Assert.All(registrar.Received, r => Assert.True(r.OverTls));
        Assert.Equal(
            [AgentState.RegistrationFailed, AgentState.Unregistered, AgentState.Registered],
            agent.Transitions.Select(t => t.To).Take(3).ToArray());
    }
}
