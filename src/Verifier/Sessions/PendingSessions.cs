using System.Collections.Concurrent;

namespace Keylime.Verifier.Sessions;

/// <summary>A session waiting for its proof of possession: the challenge and when it stops being valid.</summary>
public sealed record PendingSession(Guid SessionId, string AgentId, byte[] Challenge, DateTime CreatedAt, DateTime ChallengesExpireAt);

/// <summary>
/// Sessions between POST and PATCH, in memory as in Keylime (spec/verifier.md §6.1): a challenge is
/// single-use — the first PATCH takes it, whatever its outcome — and expired ones are swept on each
/// creation, so the map stays bounded by the creation rate limits.
/// </summary>
public sealed class PendingSessions(TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, PendingSession> _pending = new();

    public void Add(PendingSession session)
    {
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var (id, old) in _pending)
        {
            if (old.ChallengesExpireAt < now)
            {
                _pending.TryRemove(id, out _);
            }
        }

        _pending[session.SessionId] = session;
    }

    public PendingSession? Peek(Guid sessionId) => _pending.TryGetValue(sessionId, out var session) ? session : null;

    /// <summary>Takes the session out: only one PATCH can ever use a challenge.</summary>
    public bool TryTake(Guid sessionId, out PendingSession? session) => _pending.TryRemove(sessionId, out session);

    public int Count => _pending.Count;
}
