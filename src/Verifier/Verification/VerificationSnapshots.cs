using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Verification;

/// <summary>
/// The agent as one attestation sees it: what phase 1's gates and negotiation read, what the checks and
/// the verdict need, the earliest expiry of its live tokens (null: none) and its latest attestation's timing.
/// </summary>
public sealed record AgentSnapshot(Agent Agent, DateTime? EarliestTokenExpiry, LatestTiming Latest);

/// <summary>What the gates need of the agent's latest attestation; <see cref="Index"/> null when it has none.</summary>
public sealed record LatestTiming(int? Index, string? Stage, DateTime? CapabilitiesReceivedAt, DateTime? ChallengesExpireAt,
    DateTime? EvidenceReceivedAt);

/// <summary>
/// The database reads of an attestation, one query each. The agent snapshot holds the columns phase 1,
/// the checks and the verdict need — not the echo-only ones, and not the runtime policy text: the compiled
/// policy is cached by id and checksum (<see cref="RuntimePolicyCache"/>). Phase 1 takes the snapshot when
/// it issues the challenge and the PATCH hands it to the worker in memory; only a PATCH that finds no
/// <see cref="PendingAttestations"/> entry reads it again, and a start-up re-queue reads everything back
/// with <see cref="InputAsync"/>.
/// </summary>
public static class VerificationSnapshots
{
    /// <summary>Compiled once: the LINQ tree is neither re-walked nor looked up in the query cache per call.</summary>
    private static readonly CompiledPerModel<Func<VerifierDbContext, string, DateTime, CancellationToken, Task<AgentSnapshot?>>> AgentQuery = new(() =>
        EF.CompileAsyncQuery((VerifierDbContext db, string agentId, DateTime now, CancellationToken _) =>
            db.Agents.AsNoTracking().Where(a => a.AgentId == agentId).Select(a => new AgentSnapshot(
                new Agent
                {
                    AgentId = a.AgentId,
                    AkTpm = a.AkTpm,
                    TpmPolicy = a.TpmPolicy,
                    AcceptTpmHashAlgs = a.AcceptTpmHashAlgs,
                    AcceptTpmSigningAlgs = a.AcceptTpmSigningAlgs,
                    AcceptAttestations = a.AcceptAttestations,
                    VerifierId = a.VerifierId,
                    RuntimePolicyId = a.RuntimePolicyId,
                    RuntimePolicy = new RuntimePolicy { Id = a.RuntimePolicyId, Name = a.RuntimePolicy!.Name, Checksum = a.RuntimePolicy.Checksum, Generator = a.RuntimePolicy.Generator },
                    MbPolicyId = a.MbPolicyId,
                    MbPolicy = new MeasuredBootPolicy { Id = a.MbPolicyId, Name = a.MbPolicy!.Name, MbPolicy = a.MbPolicy.MbPolicy },
                    AttestationCount = a.AttestationCount,
                    TpmClockInfo = a.TpmClockInfo,
                    NextImaMlEntry = a.NextImaMlEntry,
                    Pcr10 = a.Pcr10,
                    BootTime = a.BootTime,
                    LearnedImaKeyrings = a.LearnedImaKeyrings,
                    ImaQuoteProgress = a.ImaQuoteProgress,
                },
                db.Sessions.Where(s => s.AgentId == a.AgentId && s.Active && s.TokenExpiresAt >= now).Min(s => s.TokenExpiresAt),
                // Scalar subqueries (a primary-key seek each) rather than a nested entity: that would become
                // a ROW_NUMBER over every attestation on SQLite, which has no LATERAL join.
                new LatestTiming(
                    db.Attestations.Where(x => x.AgentId == agentId).OrderByDescending(x => x.Index).Select(x => (int?)x.Index).FirstOrDefault(),
                    db.Attestations.Where(x => x.AgentId == agentId).OrderByDescending(x => x.Index).Select(x => x.Stage).FirstOrDefault(),
                    db.Attestations.Where(x => x.AgentId == agentId).OrderByDescending(x => x.Index)
                        .Select(x => (DateTime?)x.CapabilitiesReceivedAt).FirstOrDefault(),
                    db.Attestations.Where(x => x.AgentId == agentId).OrderByDescending(x => x.Index)
                        .Select(x => (DateTime?)x.ChallengesExpireAt).FirstOrDefault(),
                    db.Attestations.Where(x => x.AgentId == agentId).OrderByDescending(x => x.Index)
                        .Select(x => x.EvidenceReceivedAt).FirstOrDefault())))
            .FirstOrDefault()));

    public static Task<AgentSnapshot?> AgentAsync(VerifierDbContext db, string agentId, DateTime now, CancellationToken cancellationToken) =>
        AgentQuery.For(db)(db, agentId, now, cancellationToken);

    /// <summary>Everything a re-queued attestation needs, or null when it is no longer <c>evaluating_evidence</c>.</summary>
    public static async Task<VerificationInput?> InputAsync(VerifierDbContext db, VerificationJob job, DateTime now, CancellationToken cancellationToken)
    {
        var attestation = await db.Attestations.AsNoTracking()
            .Where(a => a.AgentId == job.AgentId && a.Index == job.Index && a.Stage == AttestationStates.EvaluatingEvidence)
            .Include(a => a.EvidenceItems.OrderBy(e => e.Position))
            .FirstOrDefaultAsync(cancellationToken);
        var agent = attestation is null ? null : await AgentAsync(db, job.AgentId, now, cancellationToken);
        return attestation is null || agent is null
            ? null
            : new VerificationInput(agent.Agent, attestation, attestation.EvidenceItems) { EarliestTokenExpiry = agent.EarliestTokenExpiry };
    }
}
