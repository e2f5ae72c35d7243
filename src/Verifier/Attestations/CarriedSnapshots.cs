using System.Collections.Concurrent;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Data;
using Keylime.Verifier.Verification;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// The agent snapshot carried from a verdict this process recorded to the agent's next phase 1 (PostgreSQL):
/// the verdict's agent UPDATE returns the row as it left it, with its new version, and the policies and the
/// token's expiry come from the snapshot the verification used. Phase 1 then reads nothing before its
/// INSERT — the push cycle's costliest read — and the database stays the judge: that INSERT takes effect
/// only while the agent row and its policy rows still have the carried versions and the carried
/// attestation is still the agent's latest. On any doubt (no entry, a refused INSERT, a refusal decided on
/// the carried snapshot) phase 1 reads the snapshot and decides again, so a change made by an admin or by
/// another verifier instance is never missed.
/// </summary>
/// <remarks>
/// An entry is taken once. A verdict that extended the agent's tokens carries nothing: the earliest expiry it
/// would carry is no longer known, and the next phase 1 reads it. Deleting or changing the agent through this
/// process drops its entry.
/// </remarks>
public sealed class CarriedSnapshots : IAgentRemovalListener
{
    private readonly ConcurrentDictionary<string, AgentSnapshot> _byAgent = new(StringComparer.Ordinal);

    /// <summary>Whether something is carried for the agent (one entry per agent whose last verdict was recorded here and not yet followed by a phase 1).</summary>
    internal bool Holds(string agentId) => _byAgent.ContainsKey(agentId);

    /// <summary>
    /// Carries the agent as a verdict left it: <paramref name="verified"/> is what the verification read,
    /// <paramref name="after"/> what the verdict's UPDATE returned. Nothing is carried when the row had changed
    /// since the verification read it (another writer: the carried snapshot would miss that change) or the
    /// snapshot has no row versions.
    /// </summary>
    public void Carry(VerificationInput verified, Attestation recorded, AgentAfterVerdict after)
    {
        var agentId = verified.Attestation.AgentId;
        if (verified.Versions is not { } versions || after.VersionBefore != versions.Agent)
        {
            _byAgent.TryRemove(agentId, out _);
            return;
        }

        var latest = new LatestTiming(recorded.Index, recorded.Stage, recorded.CapabilitiesReceivedAt, recorded.ChallengesExpireAt,
            recorded.EvidenceReceivedAt);
        _byAgent[agentId] = new AgentSnapshot(after.ApplyTo(verified.Agent), verified.EarliestTokenExpiry, latest)
        {
            Versions = versions with { Agent = after.Version },
        };
    }

    /// <summary>Drops what is carried for the agent (its verdict extended tokens, or was recorded elsewhere).</summary>
    public void Forget(string agentId) => _byAgent.TryRemove(agentId, out _);

    /// <summary>The carried snapshot, removed: each is used by one phase 1 at most.</summary>
    public AgentSnapshot? Take(string agentId) => _byAgent.TryRemove(agentId, out var snapshot) ? snapshot : null;

    public Task AgentRemovedAsync(string agentId, CancellationToken cancellationToken)
    {
        Forget(agentId);
        return Task.CompletedTask;
    }

    public Task AgentChangedAsync(string agentId, CancellationToken cancellationToken) => AgentRemovedAsync(agentId, cancellationToken);
}
