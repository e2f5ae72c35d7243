using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Verification;

/// <summary>The agent as one verification sees it, and the earliest expiry of its live tokens (null: none).</summary>
public sealed record AgentSnapshot(Agent Agent, DateTime? EarliestTokenExpiry);

/// <summary>
/// The database reads of a verification, one query each. The agent snapshot holds the columns the checks
/// and the verdict need — not the echo-only ones, and not the runtime policy text: the compiled policy is
/// cached by id and checksum (<see cref="RuntimePolicyCache"/>). PATCH takes the snapshot and hands it
/// to the worker in memory; only a start-up re-queue reads everything back with <see cref="InputAsync"/>.
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
                db.Sessions.Where(s => s.AgentId == a.AgentId && s.Active && s.TokenExpiresAt >= now).Min(s => s.TokenExpiresAt)))
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
