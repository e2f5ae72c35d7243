using System.Collections.Concurrent;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Data;
using Keylime.Verifier.Sessions;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// The attestation whose verdict this process recorded last, per agent, exactly as it was stored, so a
/// GET of that attestation by index — the agent or an operator waiting for the verdict — is answered
/// without a database read. A completed attestation does not change; it can only go away.
/// </summary>
/// <remarks>
/// Deleting or changing the agent through this process drops its entry at once, and the next verdict
/// replaces it (retention only ever deletes attestations before the latest). An attestation deleted by
/// another verifier instance on the same database is still answered from here for at most
/// <see cref="Lifetime"/> — the same bound <see cref="TokenCache"/> has for a token that instance revoked.
/// Memory stays small whatever the fleet: an attestation whose evidence is larger than
/// <see cref="MaxEvidenceChars"/> (a first IMA log can be megabytes) is not kept, and expired entries are
/// swept out at most once per <see cref="Lifetime"/>.
/// </remarks>
public sealed class RecentVerdicts(TimeProvider time) : IAgentRemovalListener
{
    public static readonly TimeSpan Lifetime = TokenCache.Lifetime;

    /// <summary>Evidence (the stored JSON) up to this size is kept; a quote with its PCRs is a few kilobytes.</summary>
    public const int MaxEvidenceChars = 64 * 1024;

    private readonly ConcurrentDictionary<string, Entry> _byAgent = new(StringComparer.Ordinal);
    private readonly Lock _sweep = new();
    private DateTime _nextSweep = DateTime.MinValue;

    /// <summary>Entries held, expired ones included until the next sweep.</summary>
    internal int Count => _byAgent.Count;

    private sealed record Entry(Attestation Attestation, DateTime ValidUntil);

    /// <summary>Keeps <paramref name="stored"/> (which must not change from here on) as the agent's latest recorded verdict.</summary>
    public void Remember(Attestation stored)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (stored.EvidenceJson.Length > MaxEvidenceChars)
        {
            _byAgent.TryRemove(stored.AgentId, out _); // an older, smaller verdict must not answer for this agent either
        }
        else
        {
            _byAgent.AddOrUpdate(stored.AgentId,
                static (_, arg) => new Entry(arg.stored, arg.until),
                static (_, current, arg) => current.Attestation.Index > arg.stored.Index ? current : new Entry(arg.stored, arg.until),
                (stored, until: now + Lifetime));
        }

        SweepIfDue(now);
    }

    /// <summary>The completed attestation <paramref name="index"/> of the agent, or null when the database must be asked.</summary>
    public Attestation? Find(string agentId, int index) =>
        _byAgent.TryGetValue(agentId, out var entry) && entry.Attestation.Index == index && time.GetUtcNow().UtcDateTime < entry.ValidUntil
            ? entry.Attestation
            : null;

    private void SweepIfDue(DateTime now)
    {
        lock (_sweep)
        {
            if (now < _nextSweep)
            {
                return;
            }

            _nextSweep = now + Lifetime;
        }

        foreach (var (agentId, entry) in _byAgent)
        {
            if (now >= entry.ValidUntil)
            {
                _byAgent.TryRemove(KeyValuePair.Create(agentId, entry));
            }
        }
    }

    public Task AgentRemovedAsync(string agentId, CancellationToken cancellationToken)
    {
        _byAgent.TryRemove(agentId, out _);
        return Task.CompletedTask;
    }

    public Task AgentChangedAsync(string agentId, CancellationToken cancellationToken) => AgentRemovedAsync(agentId, cancellationToken);
}
