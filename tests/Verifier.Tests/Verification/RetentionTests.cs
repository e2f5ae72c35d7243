using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Keylime.Verifier.Tests.Support;
using Keylime.Verifier.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keylime.Verifier.Tests.Verification;

/// <summary>
/// Retention (spec/verifier.md §7.7) as the recorder applies it when it commits a verdict: the latest,
/// the first authenticated attestation of each boot and every failure are kept, attestations without
/// evidence are never touched, and a pass (NULL failure_reason) counts as authenticated — the intended
/// rule, not Keylime's NULL comparison that never deletes anything. Also the token extension rule.
/// </summary>
public sealed class RetentionTests
{
    private static readonly DateTime BootA = new(2026, 11, 1, 8, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime BootB = BootA.AddDays(1);
    private static readonly DateTime BootC = BootA.AddDays(2);

    private static VerificationOutcome Pass => new(null, null, null, null, null, "sha256", "rsassa");

    private static VerificationOutcome Violation => new(AttestationStates.PolicyViolation, "PCR 15 is not allowed", "tpm.invalid_pcr_15", null, null, "sha256", "rsassa");

    private static VerificationOutcome Broken => VerificationOutcome.Broken("qoute_validation.quote_validation", "signature");

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task Retention_keeps_the_latest_the_first_authenticated_of_each_boot_every_failure_and_attestations_without_evidence(string provider)
    {
        await using var server = await VerifierServer.StartAsync(provider);
        await EnrollAsync(server, "r1");
        var steps = new (DateTime Boot, VerificationOutcome? Outcome)[]
        {
            (BootA, Pass),      // 0 first authenticated of boot A: kept
            (BootA, Pass),      // 1 kept: the next one (2) fails, and retention runs only when N passes
            (BootA, Violation), // 2 failure: kept (and authenticated: the reference for 3)
            (BootA, Pass),      // 3 deleted when 4 passes (2 before it is authenticated, same boot)
            (BootA, Pass),      // 4 deleted when 5 passes (its predecessor 2 has boot A too)
            (BootB, Pass),      // 5 first authenticated of boot B: kept
            (BootB, Pass),      // 6 deleted when 7 passes
            (BootB, Pass),      // 7 kept: 8 never got evidence
            (BootB, null),      // 8 no evidence: never cleaned
            (BootC, Broken),    // 9 broken chain: kept, and not authenticated
            (BootC, Pass),      // 10 first authenticated of boot C (9 does not count): kept
            (BootC, Pass),      // 11 deleted when 12 passes
            (BootC, Pass),      // 12 the latest: kept
        };
        for (var index = 0; index < steps.Length; index++)
        {
            await RecordAsync(server, "r1", index, steps[index].Boot, steps[index].Outcome);
        }

        // 1 stays: when it was N−1, N (2) failed, and retention runs only on a pass (§7.7).
        Assert.Equal([0, 1, 2, 5, 7, 8, 9, 10, 12], await IndexesAsync(server, "r1"));
        var kept = await server.WithDbAsync(db => db.Attestations.AsNoTracking().Where(a => a.AgentId == "r1").ToListAsync());
        Assert.All(kept, a => Assert.Equal(EvidenceKinds.TpmQuote, Assert.Single(a.EvidenceItems).EvidenceType)); // evidence stays with its attestation
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task Verdicts_recorded_together_each_update_their_own_agent_and_apply_retention(string provider)
    {
        await using var server = await VerifierServer.StartAsync(provider);
        await EnrollAsync(server, "g1");
        await EnrollAsync(server, "g2");
        for (var index = 0; index < 2; index++)
        {
            await RecordAsync(server, "g1", index, BootA, Pass);
            await RecordAsync(server, "g2", index, BootA, Pass);
        }

        var g1 = await InsertAsync(server, "g1", 2, BootA);
        var g2 = await InsertAsync(server, "g2", 2, BootA);
        var recorded = await server.WithDbAsync(async db =>
        {
            var recorder = server.Services.GetRequiredService<VerificationRecorder>();
            return await recorder.RecordAsync(db, [new VerificationVerdict(await InputAsync(db, g1), Pass), new VerificationVerdict(await InputAsync(db, g2), Violation)],
                DateTime.UtcNow, CancellationToken.None);
        });

        Assert.Equal([true, true], recorded);
        Assert.Equal([0, 2], await IndexesAsync(server, "g1"));
        Assert.Equal([0, 1, 2], await IndexesAsync(server, "g2"));
        var agents = await server.WithDbAsync(db => db.Agents.AsNoTracking().OrderBy(a => a.AgentId).ToListAsync());
        Assert.Equal((3, 0), (agents[0].AttestationCount, agents[0].ConsecutiveAttestationFailures ?? 0));
        Assert.Equal((2, 1, "tpm.invalid_pcr_15"), (agents[1].AttestationCount, agents[1].ConsecutiveAttestationFailures ?? 0, agents[1].LastEventId));
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task A_verdict_is_recorded_once_even_when_two_workers_reach_it(string provider)
    {
        await using var server = await VerifierServer.StartAsync(provider);
        await EnrollAsync(server, "o1");
        var attestation = await InsertAsync(server, "o1", 0, BootA);
        var recorder = server.Services.GetRequiredService<VerificationRecorder>();
        var first = await server.WithDbAsync(async db => await recorder.RecordAsync(db, await InputAsync(db, attestation), Pass, DateTime.UtcNow, CancellationToken.None));
        var second = await server.WithDbAsync(async db => await recorder.RecordAsync(db, await InputAsync(db, attestation), Pass, DateTime.UtcNow, CancellationToken.None));

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(1, await server.WithDbAsync(db => db.Agents.Where(a => a.AgentId == "o1").Select(a => a.AttestationCount).SingleAsync()));
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task One_attestation_twice_in_a_group_or_again_at_the_same_instant_is_recorded_and_counted_once(string provider)
    {
        await using var server = await VerifierServer.StartAsync(provider);
        await EnrollAsync(server, "d1");
        var attestation = await InsertAsync(server, "d1", 0, BootA);
        var recorder = server.Services.GetRequiredService<VerificationRecorder>();
        var now = DateTime.UtcNow;

        var group = await server.WithDbAsync(async db =>
        {
            var input = await InputAsync(db, attestation);
            return await recorder.RecordAsync(db, [new VerificationVerdict(input, Pass), new VerificationVerdict(input, Violation)], now, CancellationToken.None);
        });
        // Later statements of a verdict are guarded by its completion time: the same instant again must still change nothing.
        var again = await server.WithDbAsync(async db => await recorder.RecordAsync(db, await InputAsync(db, attestation), Violation, now, CancellationToken.None));

        Assert.Equal([true, false], group);
        Assert.False(again);
        var agent = await server.WithDbAsync(db => db.Agents.AsNoTracking().SingleAsync(a => a.AgentId == "d1"));
        Assert.Equal((1, 0), (agent.AttestationCount, agent.ConsecutiveAttestationFailures ?? 0));
        Assert.Equal(AttestationStates.Pass,
            await server.WithDbAsync(db => db.Attestations.Where(a => a.AgentId == "d1").Select(a => a.Evaluation).SingleAsync()));
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task A_pass_extends_a_token_only_when_less_than_half_of_session_lifetime_is_left(string provider)
    {
        await using var server = await VerifierServer.StartAsync(provider);
        await EnrollAsync(server, "t1");
        var lifetime = TimeSpan.FromSeconds(server.Options.SessionLifetime);
        var now = DateTime.UtcNow;
        var fresh = now + lifetime * 0.9;
        var session = Guid.NewGuid();
        await server.WithDbAsync(db =>
        {
            db.Sessions.Add(new AuthSession { SessionId = session, AgentId = "t1", TokenHash = "h", TokenSalt = "s", Active = true, TokenExpiresAt = fresh });
            return db.SaveChangesAsync();
        });

        await RecordAsync(server, "t1", 0, BootA, Pass, now);
        Assert.Equal(fresh, await ExpiryAsync(server, session), TimeSpan.FromMilliseconds(1));

        var late = now + lifetime * 0.4;
        await server.WithDbAsync(db => db.Sessions.ExecuteUpdateAsync(s => s.SetProperty(x => x.TokenExpiresAt, late)));
        await RecordAsync(server, "t1", 1, BootA, Violation, now);
        Assert.Equal(late, await ExpiryAsync(server, session), TimeSpan.FromMilliseconds(1)); // a failure never extends
        await RecordAsync(server, "t1", 2, BootA, Pass, now);
        Assert.Equal(now + lifetime, await ExpiryAsync(server, session), TimeSpan.FromMilliseconds(1));
    }

    private static Task<DateTime> ExpiryAsync(VerifierServer server, Guid session) =>
        server.WithDbAsync(db => db.Sessions.Where(s => s.SessionId == session).Select(s => s.TokenExpiresAt!.Value).SingleAsync());

    private static async Task EnrollAsync(VerifierServer server, string agentId) =>
        Assert.Equal(200, (await Http.PostAsync(server.Admin(), $"/v2.6/agents/{agentId}", TenantBodies.Enroll())).Status);

    private static Task<List<int>> IndexesAsync(VerifierServer server, string agentId) =>
        server.WithDbAsync(db => db.Attestations.Where(a => a.AgentId == agentId).Select(a => a.Index).OrderBy(i => i).ToListAsync());

    /// <summary>An attestation whose evidence arrived (or, with no outcome, one that never got any), then its verdict.</summary>
    private static async Task RecordAsync(VerifierServer server, string agentId, int index, DateTime boot, VerificationOutcome? outcome, DateTime? now = null)
    {
        var attestation = await InsertAsync(server, agentId, index, boot, evidence: outcome is not null);
        if (outcome is null)
        {
            return;
        }

        var recorder = server.Services.GetRequiredService<VerificationRecorder>();
        Assert.True(await server.WithDbAsync(async db =>
            await recorder.RecordAsync(db, await InputAsync(db, attestation, now), outcome, now ?? DateTime.UtcNow, CancellationToken.None)));
    }

    private static async Task<Attestation> InsertAsync(VerifierServer server, string agentId, int index, DateTime boot, bool evidence = true)
    {
        var now = DateTime.UtcNow;
        var attestation = new Attestation
        {
            AgentId = agentId, Index = index, BootTime = boot, CapabilitiesReceivedAt = now, ChallengesExpireAt = now.AddMinutes(1),
            Stage = evidence ? AttestationStates.EvaluatingEvidence : AttestationStates.AwaitingEvidence,
            EvidenceReceivedAt = evidence ? now : null,
            EvidenceItems = [new EvidenceItem { EvidenceClass = "certification", EvidenceType = "tpm_quote" }],
        };
        await server.WithDbAsync(db =>
        {
            db.Attestations.Add(attestation);
            return db.SaveChangesAsync();
        });
        return attestation;
    }

    private static async Task<VerificationInput> InputAsync(VerifierDbContext db, Attestation attestation, DateTime? now = null)
    {
        var agent = await VerificationSnapshots.AgentAsync(db, attestation.AgentId, now ?? DateTime.UtcNow, CancellationToken.None);
        return new VerificationInput(agent!.Agent, attestation, attestation.EvidenceItems) { EarliestTokenExpiry = agent.EarliestTokenExpiry };
    }
}
