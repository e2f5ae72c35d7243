using System.Collections.Concurrent;
using Keylime.Verifier.Agents;

namespace Keylime.Verifier.Sessions;

/// <summary>
/// Tokens this process has recently validated against the sessions table, by session id, so an agent's
/// POST, PATCH and verdict GET of one cycle cost one database look-up instead of three. An entry keeps
/// only what the table keeps — the secret's SHA-256 — and a hit still hashes the presented secret and
/// compares in fixed time. It lives <see cref="Lifetime"/> at most and never past the token's expiry.
/// </summary>
/// <remarks>
/// Changes made through this process evict at once: deleting an agent (<see cref="IAgentRemovalListener"/>)
/// and a new PoP session, which replaces the agent's older sessions. A change made by another verifier
/// instance on the same database is seen here after at most <see cref="Lifetime"/>.
/// </remarks>
public sealed class TokenCache(TimeProvider time) : IAgentRemovalListener
{
    /// <summary>
    /// How stale this process may be about a token revoked by another instance sharing the database.
    /// Short enough that a deleted agent's token dies within a few seconds everywhere; long enough that
    /// an agent attesting every ~1–2 s (POST, PATCH, verdict polls) hits the cache on all but ~1 request.
    /// </summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    /// <summary>Expired entries are swept when the cache grows past this (one entry per active agent is normal).</summary>
    private const int SweepThreshold = 100_000;

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private long _evictions;

    private sealed record Entry(string AgentId, byte[] SecretHash, DateTime ValidUntil);

    /// <summary>Taken before a database look-up; <see cref="Add"/> stores nothing if an eviction happened since.</summary>
    public long Epoch => Interlocked.Read(ref _evictions);

    /// <summary>The agent the cached token belongs to, or null when the token must be checked in the database.</summary>
    public string? Find(Guid sessionId, string secret)
    {
        if (!_entries.TryGetValue(sessionId, out var entry))
        {
            return null;
        }

        if (time.GetUtcNow().UtcDateTime > entry.ValidUntil)
        {
            _entries.TryRemove(KeyValuePair.Create(sessionId, entry));
            return null;
        }

        return PopTokens.Matches(secret, entry.SecretHash) ? entry.AgentId : null;
    }

    /// <summary>Remembers a token the database has just accepted (hash as stored, hex).</summary>
    public void Add(Guid sessionId, string agentId, string storedHash, DateTime tokenExpiresAt, long epochBeforeLookup)
    {
        var validUntil = time.GetUtcNow().UtcDateTime + Lifetime;
        if (tokenExpiresAt < validUntil)
        {
            validUntil = tokenExpiresAt;
        }

        if (_entries.Count >= SweepThreshold)
        {
            Sweep();
        }

        _entries[sessionId] = new Entry(agentId, Convert.FromHexString(storedHash), validUntil);
        // A delete or new session that committed while we were reading may have missed this entry.
        if (Epoch != epochBeforeLookup)
        {
            _entries.TryRemove(sessionId, out _);
        }
    }

    /// <summary>Drops every cached token of the agent (deleted, or authenticated again).</summary>
    public void EvictAgent(string agentId)
    {
        Interlocked.Increment(ref _evictions);
        foreach (var (id, entry) in _entries)
        {
            if (entry.AgentId == agentId)
            {
                _entries.TryRemove(KeyValuePair.Create(id, entry));
            }
        }
    }

    public Task AgentRemovedAsync(string agentId, CancellationToken cancellationToken)
    {
        EvictAgent(agentId);
        return Task.CompletedTask;
    }

    private void Sweep()
    {
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var (id, entry) in _entries)
        {
            if (now > entry.ValidUntil)
            {
                _entries.TryRemove(KeyValuePair.Create(id, entry));
            }
        }

        if (_entries.Count >= SweepThreshold)
        {
            _entries.Clear(); // more live agents than expected: fall back to the database rather than grow
        }
    }
}
