using Keylime.PushAgent.StateMachine;
using Keylime.PushAgent.Tests.Support;

namespace Keylime.PushAgent.Tests.Clients;

/// <summary>
/// The PoP session calls (POST/PATCH /v3.0/sessions) get the same retry layer as every other
/// request (spec/push-agent.md §2.2): the verifier's session rate limiter answers 429 with
/// Retry-After (spec/verifier.md §6.7), and the agent waits that long instead of failing the round
/// and coming back with another session request. Fake time; a fake verifier over real TLS.
/// </summary>
public sealed class SessionRetryTests : ScriptedPeers
{
    private AgentHarness Agent(int maxRetries) => new(AgentHarness.SettingsFor(VerifierPeer.Url, RegistrarPeer.Url, Pki, Pki.Directory) with
    {
        Backoff = new(TimeSpan.FromSeconds(10), maxRetries, TimeSpan.FromSeconds(300)),
    });

    private RecordedRequest[] SessionOpenings() =>
        VerifierPeer.Received.Where(r => r.Method == "POST" && r.Path.EndsWith("/sessions", StringComparison.Ordinal)).ToArray();

    private static PeerResponse RateLimited(int retryAfterSeconds) =>
        new(429, """{"errors":[{"status":"429","title":"Too Many Requests","detail":"Too many session requests"}]}""",
            new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    [Fact]
    public async Task A_session_opening_refused_with_429_is_sent_again_after_its_Retry_After()
    {
        Script.SessionOpenings.Enqueue(RateLimited(45));
        await using var agent = Agent(maxRetries: 3);
        agent.Start();
        await agent.Time.AdvanceWhenWaiting(TimeSpan.FromSeconds(45));
        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "evidence accepted");
        Assert.Equal(2, SessionOpenings().Length);
        Assert.DoesNotContain(agent.Transitions, t => t.To == AgentState.AttestationFailed);
        Assert.All(VerifierPeer.Received.Where(r => r.Path.Contains("/sessions", StringComparison.Ordinal)), r => Assert.Null(r.Header("X-Request-ID")));
    }

    [Fact]
    public async Task A_session_proof_answered_with_503_is_retried_on_the_backoff_schedule()
    {
        var patches = 0;
        await using var verifier = await FakePeer.StartAsync(
            r => r.Method == "PATCH" && r.Path.Contains("/sessions/", StringComparison.Ordinal) && Interlocked.Increment(ref patches) == 1
                ? new PeerResponse(503, "{}")
                : Script.Respond(r),
            Pki);
        await using var agent = new AgentHarness(AgentHarness.SettingsFor(verifier.Url, RegistrarPeer.Url, Pki, Pki.Directory) with
        {
            Backoff = new(TimeSpan.FromSeconds(10), 3, TimeSpan.FromSeconds(300)),
        });
        agent.Start();
        await agent.Time.AdvanceWhenWaiting(TimeSpan.FromSeconds(10));
        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "evidence accepted");
        Assert.Equal(2, patches);
    }

    [Fact]
    public async Task When_the_retries_are_used_up_the_session_is_not_requested_again_until_the_next_round()
    {
        Script.SessionOpenings.Enqueue(RateLimited(30));
        Script.SessionOpenings.Enqueue(RateLimited(30));
        await using var agent = Agent(maxRetries: 1);
        agent.Start();
        await agent.Time.AdvanceWhenWaiting(TimeSpan.FromSeconds(30));
        await Eventually.True(() => agent.Machine.State == AgentState.AttestationFailed && agent.Machine.WaitingUntil is not null, "AttestationFailed");
        Assert.Equal(2, SessionOpenings().Length);
        agent.Time.Advance(TimeSpan.FromSeconds(60));
        await Eventually.True(() => agent.Machine.AcceptedEvidence == 1, "evidence accepted in the next round");
        Assert.Equal(3, SessionOpenings().Length);
    }
}
