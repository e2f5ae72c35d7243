using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// The attestation routes' per-cycle reads as EF compiled queries: they run on every negotiation and
/// verdict poll, and a compiled query skips EF's per-call expression-tree hashing and cache look-up.
/// One instance per service provider (a singleton): a compiled query is bound to the model it first ran
/// against, and one process may host several verifiers (tests) on different providers.
/// </summary>
public sealed class AttestationQueries
{
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
