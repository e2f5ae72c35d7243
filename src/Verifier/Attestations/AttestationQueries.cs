using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// The attestation routes' remaining EF read as a compiled query (the per-cycle reads are
/// <see cref="AttestationReads"/>): a compiled query skips EF's per-call expression-tree hashing and cache look-up.
/// One instance per service provider (a singleton): a compiled query is bound to the model it first ran
/// against, and one process may host several verifiers (tests) on different providers.
/// </summary>
public sealed class AttestationQueries
{
    public Func<VerifierDbContext, string, CancellationToken, Task<bool>> AgentExists { get; } =
        EF.CompileAsyncQuery((VerifierDbContext db, string agentId, CancellationToken _) => db.Agents.Any(a => a.AgentId == agentId));

}
