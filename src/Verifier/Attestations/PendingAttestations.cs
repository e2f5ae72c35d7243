using System.Collections.Concurrent;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Data;
using Keylime.Verifier.Verification;

namespace Keylime.Verifier.Attestations;

/// <summary>An attestation this process created and still expects evidence for, with the agent as it was read then.</summary>
public sealed record PendingAttestation(Attestation Attestation, AgentSnapshot Agent);

/// <summary>
/// What phase 1 created, kept in memory for phase 2 (one entry per agent, the latest): the PATCH that
/// follows a POST on the same verifier then reads nothing before its write. The database stays the
/// judge — the evidence write is conditional on the attestation still being the agent's latest and
/// <c>awaiting_evidence</c>, and on any doubt (no entry, another index, a refused write, invalid
/// evidence) the PATCH takes the full path that reads everything back. So a PATCH arriving at another
/// verifier instance, or after a restart, works as before. The agent snapshot is the one phase 1 read
/// when it issued the challenge; changes made through this process (deletion, a v3 PATCH of the
/// enrollment) drop the entry.
/// </summary>
public sealed class PendingAttestations : IAgentRemovalListener
{
    private readonly ConcurrentDictionary<string, PendingAttestation> _byAgent = new(StringComparer.Ordinal);

    public void Remember(PendingAttestation pending) => _byAgent[pending.Attestation.AgentId] = pending;

    /// <summary>
    /// A private copy of the pending attestation <paramref name="index"/> (or the latest), so a PATCH can
    /// fill in its evidence without touching what another request may read.
    /// </summary>
    public PendingAttestation? Find(string agentId, string index)
    {
        if (!_byAgent.TryGetValue(agentId, out var pending)
            || (index != "latest" && index != pending.Attestation.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            return null;
        }

        var copy = pending.Attestation.Copy();
        copy.EvidenceItems = [.. pending.Attestation.EvidenceItems.Select(e => e with { })];
        return pending with { Attestation = copy };
    }

    /// <summary>Forgets the agent's entry if it is still <paramref name="index"/>.</summary>
    public void Forget(string agentId, int index)
    {
        if (_byAgent.TryGetValue(agentId, out var pending) && pending.Attestation.Index == index)
        {
            _byAgent.TryRemove(KeyValuePair.Create(agentId, pending));
        }
    }

    public void Forget(string agentId) => _byAgent.TryRemove(agentId, out _);

    public Task AgentRemovedAsync(string agentId, CancellationToken cancellationToken)
    {
        Forget(agentId);
        return Task.CompletedTask;
    }

    public Task AgentChangedAsync(string agentId, CancellationToken cancellationToken) => AgentRemovedAsync(agentId, cancellationToken);
}
