using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Attestations;

/// <summary>What the phase-1 gates and the negotiation read of the agent, with its latest attestation's timing.</summary>
public sealed record AgentNeeds(string TpmPolicy, List<string> Hashes, List<string> Signing, byte[] Ak, bool Accept, int Generator,
    bool HasMb, long BootTime, long NextImaEntry, bool HasPcr10, LatestTiming Latest);

/// <summary>What the gates need of the agent's latest attestation; <see cref="Index"/> null when it has none.</summary>
public sealed record LatestTiming(int? Index, string? Stage, DateTime? CapabilitiesReceivedAt, DateTime? ChallengesExpireAt,
    DateTime? EvidenceReceivedAt);

/// <summary>
/// The attestation routes' per-cycle reads as EF compiled queries: they run on every negotiation and
/// verdict poll, and a compiled query skips EF's per-call expression-tree hashing and cache look-up.
/// One instance per service provider (a singleton): a compiled query is bound to the model it first ran
/// against, and one process may host several verifiers (tests) on different providers.
/// </summary>
public sealed class AttestationQueries
{
    public Func<VerifierDbContext, string, CancellationToken, Task<AgentNeeds?>> AgentWithLatest { get; } =
        EF.CompileAsyncQuery((VerifierDbContext db, string agentId, CancellationToken _) =>
            db.Agents.AsNoTracking().Where(a => a.AgentId == agentId)
                .Select(a => new AgentNeeds(a.TpmPolicy, a.AcceptTpmHashAlgs, a.AcceptTpmSigningAlgs, a.AkTpm, a.AcceptAttestations,
                    a.RuntimePolicy == null ? 0 : a.RuntimePolicy.Generator,
                    a.MbPolicy != null && a.MbPolicy.MbPolicy != null && a.MbPolicy.MbPolicy != "",
                    a.BootTime, a.NextImaMlEntry, a.Pcr10 != null,
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
                .FirstOrDefault());

    public Func<VerifierDbContext, string, IAsyncEnumerable<Attestation>> LatestWithEvidence { get; } =
        EF.CompileAsyncQuery((VerifierDbContext db, string agentId) =>
            db.Attestations.AsNoTracking().Where(a => a.AgentId == agentId).OrderByDescending(a => a.Index).Take(1)
                .Include(a => a.EvidenceItems));

    public Func<VerifierDbContext, string, IAsyncEnumerable<Attestation>> AllWithEvidence { get; } =
        EF.CompileAsyncQuery((VerifierDbContext db, string agentId) =>
            db.Attestations.AsNoTracking().Where(a => a.AgentId == agentId).OrderBy(a => a.Index).Include(a => a.EvidenceItems));

    public Func<VerifierDbContext, string, int, IAsyncEnumerable<Attestation>> OneWithEvidence { get; } =
        EF.CompileAsyncQuery((VerifierDbContext db, string agentId, int index) =>
            db.Attestations.AsNoTracking().Where(a => a.AgentId == agentId && a.Index == index).Include(a => a.EvidenceItems));

    public Func<VerifierDbContext, string, CancellationToken, Task<bool>> AgentExists { get; } =
        EF.CompileAsyncQuery((VerifierDbContext db, string agentId, CancellationToken _) => db.Agents.Any(a => a.AgentId == agentId));

}
