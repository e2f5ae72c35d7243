using Keylime.Shared.Configuration;
using Keylime.Verifier.Api;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Agents;

/// <summary>
/// Told when an agent has been deleted or its enrollment changed, after the commit: the attestation side
/// drops what it keeps in memory for the agent (cached tokens, the pending attestation's snapshot).
/// </summary>
public interface IAgentRemovalListener
{
    Task AgentRemovedAsync(string agentId, CancellationToken cancellationToken);

    /// <summary>The agent's enrollment was changed in place (v3 PATCH).</summary>
    Task AgentChangedAsync(string agentId, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Status, list, delete, reactivate and stop of enrolled agents (spec/verifier.md §4.2–4.5).</summary>
public sealed class AgentRegistry(VerifierDbContext db, VerifierOptions settings, IEnumerable<IAgentRemovalListener> removalListeners, TimeProvider time)
{
    public const string NotFoundMessage = "agent id not found";

    private sealed record StatusRow(Agent Agent, int Generator, bool HasMbPolicy);

    public async Task<AgentStatus?> StatusAsync(string agentId, bool includeExtras, CancellationToken cancellationToken)
    {
        var row = await StatusRows(db.Agents.Where(a => a.AgentId == agentId)).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : ToStatus(row, includeExtras);
    }

    /// <summary>Ids of this verifier's agents; <paramref name="verifierId"/> empty or null = all.</summary>
    public async Task<IReadOnlyList<string>> IdsAsync(string? verifierId, CancellationToken cancellationToken) =>
        await db.Agents.AsNoTracking()
            .Where(a => string.IsNullOrEmpty(verifierId) || a.VerifierId == verifierId)
            .OrderBy(a => a.AgentId).Select(a => a.AgentId).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<(string AgentId, AgentStatus Status)>> BulkStatusAsync(
        string? verifierId, bool includeExtras, CancellationToken cancellationToken)
    {
        var rows = await StatusRows(db.Agents
            .Where(a => string.IsNullOrEmpty(verifierId) || a.VerifierId == verifierId)
            .OrderBy(a => a.AgentId)).ToListAsync(cancellationToken);
        return rows.Select(r => (r.Agent.AgentId, ToStatus(r, includeExtras))).ToList();
    }

    /// <summary>
    /// Removes the agent with its attestations and evidence, revokes its sessions (Keylime leaves the
    /// tokens valid until they expire; a deleted agent keeping a live token is not kept here), and
    /// removes the policies stored under its id when no other agent uses them.
    /// </summary>
    public async Task<ApiFailure?> DeleteAsync(string agentId, CancellationToken cancellationToken)
    {
        var agent = await db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.AgentId == agentId, cancellationToken);
        if (agent is null)
        {
            return ApiFailure.NotFound(NotFoundMessage);
        }

        if (agent.VerifierId != settings.Uuid)
        {
            return ApiFailure.NotFound("agent id not associated with this verifier");
        }

        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.Attestations.Where(a => a.AgentId == agentId).ExecuteDeleteAsync(cancellationToken);
            await db.Sessions.Where(s => s.AgentId == agentId).ExecuteDeleteAsync(cancellationToken);
            await db.Agents.Where(a => a.AgentId == agentId).ExecuteDeleteAsync(cancellationToken);
            await db.RuntimePolicies
                .Where(p => p.Name == agentId && !db.Agents.Any(a => a.RuntimePolicyId == p.Id))
                .ExecuteDeleteAsync(cancellationToken);
            await db.MeasuredBootPolicies
                .Where(p => p.Name == agentId && !db.Agents.Any(a => a.MbPolicyId == p.Id))
                .ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        });

        foreach (var listener in removalListeners)
        {
            await listener.AgentRemovedAsync(agentId, cancellationToken);
        }

        return null;
    }

    /// <summary>Changes enrollment choices in place (v3 PATCH); named policies must exist.</summary>
    public async Task<ApiFailure?> PatchAsync(string agentId, AgentPatch patch, CancellationToken cancellationToken)
    {
        if (patch.TpmPolicy is not null && TpmPolicyRules.Validate(patch.TpmPolicy) is { } policyFailure)
        {
            return policyFailure;
        }

        var agent = await ThisVerifiersAgent(agentId).FirstOrDefaultAsync(cancellationToken);
        if (agent is null)
        {
            return ApiFailure.NotFound(NotFoundMessage);
        }

        if (patch.RuntimePolicyName is { } runtimeName)
        {
            var id = await db.RuntimePolicies.Where(p => p.Name == runtimeName).Select(p => (int?)p.Id).FirstOrDefaultAsync(cancellationToken);
            if (id is null)
            {
                return ApiFailure.NotFound($"Could not find IMA policy with name {runtimeName}!");
            }

            agent.RuntimePolicyId = id.Value;
        }

        if (patch.MbPolicyName is { } mbName)
        {
            var id = await db.MeasuredBootPolicies.Where(p => p.Name == mbName).Select(p => (int?)p.Id).FirstOrDefaultAsync(cancellationToken);
            if (id is null)
            {
                return ApiFailure.NotFound($"Could not find mb_policy with name {mbName}!");
            }

            agent.MbPolicyId = id.Value;
        }

        agent.TpmPolicy = patch.TpmPolicy ?? agent.TpmPolicy;
        agent.MetaData = patch.Metadata ?? agent.MetaData;
        agent.AcceptTpmHashAlgs = patch.AcceptTpmHashAlgs ?? agent.AcceptTpmHashAlgs;
        agent.AcceptTpmEncryptionAlgs = patch.AcceptTpmEncryptionAlgs ?? agent.AcceptTpmEncryptionAlgs;
        agent.AcceptTpmSigningAlgs = patch.AcceptTpmSigningAlgs ?? agent.AcceptTpmSigningAlgs;
        agent.AcceptAttestations = patch.AcceptAttestations ?? agent.AcceptAttestations;
        if (await StoreConflicts.SaveAsync(db, $"agent {agentId} changed concurrently, or a policy was deleted meanwhile", cancellationToken) is { } conflict)
        {
            return conflict;
        }

        foreach (var listener in removalListeners)
        {
            await listener.AgentChangedAsync(agentId, cancellationToken);
        }

        return null;
    }

    /// <summary>
    /// After a restart Keylime shows in-flight agents as Start (1) until their next passing
    /// attestation sets Get Quote (3) again (spec/verifier.md §4.2, captures/verifier.md #19).
    /// </summary>
    public Task<int> ResetOperationalStatesAfterRestartAsync(CancellationToken cancellationToken) =>
        db.Agents
            .Where(a => a.VerifierId == settings.Uuid && a.OperationalState != null && InFlightStates.Contains(a.OperationalState.Value))
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.OperationalState, OperationalStates.Start), cancellationToken);

    private static readonly int[] InFlightStates =
    [
        OperationalStates.GetQuote, OperationalStates.GetQuoteRetry, OperationalStates.ProvideV, OperationalStates.ProvideVRetry,
    ];

    /// <summary>Accepts attestations again after a timeout; the failure counter is left as it is (Keylime).</summary>
    /// <remarks>
    /// The timeout clock restarts too: the timeout sweep works on <c>last_received_quote</c>, which is
    /// still older than the threshold here, so without this the next sweep would flag the agent again
    /// before it could attest. An agent that never comes back is flagged again after quote_interval × 5.
    /// </remarks>
    public async Task<ApiFailure?> ReactivateAsync(string agentId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        return await ThisVerifiersAgent(agentId).ExecuteUpdateAsync(
                set => set.SetProperty(a => a.AcceptAttestations, true)
                    .SetProperty(a => a.LastReceivedQuote, a => a.LastReceivedQuote > 0 ? now : a.LastReceivedQuote),
                cancellationToken) == 0
            ? ApiFailure.NotFound(NotFoundMessage)
            : null;
    }

    /// <summary>Marks the agent terminated (operational_state 10); push attestation is not affected (Keylime).</summary>
    public async Task<ApiFailure?> StopAsync(string agentId, CancellationToken cancellationToken) =>
        await ThisVerifiersAgent(agentId).ExecuteUpdateAsync(
            set => set.SetProperty(a => a.OperationalState, OperationalStates.TenantFailed), cancellationToken) == 0
            ? ApiFailure.NotFound(NotFoundMessage)
            : null;

    private IQueryable<Agent> ThisVerifiersAgent(string agentId) =>
        db.Agents.Where(a => a.AgentId == agentId && a.VerifierId == settings.Uuid);

    private static IQueryable<StatusRow> StatusRows(IQueryable<Agent> agents) =>
        agents.AsNoTracking().Select(a => new StatusRow(
            a, a.RuntimePolicy!.Generator, a.MbPolicy!.MbPolicy != null));

    private AgentStatus ToStatus(StatusRow row, bool includeExtras)
    {
        var a = row.Agent;
        return new AgentStatus
        {
            OperationalState = a.OperationalState,
            V = a.V,
            Ip = a.Ip,
            Port = a.Port,
            TpmPolicy = a.TpmPolicy,
            MetaData = a.MetaData,
            HasMbRefstate = row.HasMbPolicy ? 1 : 0,
            HasRuntimePolicy = row.Generator > RuntimePolicy.EmptyPolicyGenerator ? 1 : 0,
            AcceptTpmHashAlgs = a.AcceptTpmHashAlgs,
            AcceptTpmEncryptionAlgs = a.AcceptTpmEncryptionAlgs,
            AcceptTpmSigningAlgs = a.AcceptTpmSigningAlgs,
            HashAlg = a.HashAlg,
            EncAlg = a.EncAlg,
            SignAlg = a.SignAlg,
            VerifierId = a.VerifierId,
            VerifierIp = a.VerifierIp,
            VerifierPort = a.VerifierPort,
            SeverityLevel = a.SeverityLevel,
            LastEventId = a.LastEventId,
            AttestationCount = a.AttestationCount,
            LastReceivedQuote = a.LastReceivedQuote,
            LastSuccessfulAttestation = a.LastSuccessfulAttestation,
            AttestationStatus = AttestationStatus.Of(a.AcceptAttestations, a.ConsecutiveAttestationFailures, a.AttestationCount),
            AttestationPeriod = settings.AttestationPeriod(),
            MaximumAttestationInterval = settings.MaximumAttestationInterval(),
            AcceptAttestations = includeExtras ? a.AcceptAttestations : null,
        };
    }
}
