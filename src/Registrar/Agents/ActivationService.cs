using Keylime.Registrar.Storage;
using Keylime.Shared.Tpm;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Registrar.Agents;

public enum ActivationOutcome
{
    NotFound,
    Activated,

    /// <summary>Wrong auth_tag: the record was deleted (Keylime's anti-brute-force rule, spec §7).</summary>
    WrongTagDeleted,
}

/// <summary>
/// Activation (spec/registrar.md §7): the agent proves it ran ActivateCredential on the challenge by
/// sending HMAC-SHA384 keyed with the credential. One chance: a wrong tag deletes the record.
/// </summary>
public sealed class ActivationService(RegistrarDbContext db, AgentLocks locks, ILogger<ActivationService> logger)
{
    public async Task<ActivationOutcome> ActivateAsync(string agentId, string authTag, CancellationToken cancellationToken)
    {
        if (!AgentId.IsValid(agentId))
        {
            return ActivationOutcome.NotFound;
        }

        using var held = await locks.AcquireAsync(agentId, cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await ActivateLockedAsync(agentId, authTag, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<ActivationOutcome> ActivateLockedAsync(string agentId, string authTag, CancellationToken cancellationToken)
    {
        var key = await RegistrarQueries.KeyAsync(db, agentId, cancellationToken);
        if (key is null)
        {
            return ActivationOutcome.NotFound;
        }

        if (key.Key is not null && ActivationProof.Verify(key.Key, agentId, authTag))
        {
            // Re-activating an already active record with the right tag is also a success; the key stays.
            return await RegistrarQueries.ActivateAsync(db, agentId, cancellationToken) ? ActivationOutcome.Activated : ActivationOutcome.NotFound;
        }

        await RegistrarQueries.DeleteAsync(db, agentId, cancellationToken);
        logger.LogWarning("Agent {AgentId} sent a wrong auth_tag; its registration was deleted", agentId);
        return ActivationOutcome.WrongTagDeleted;
    }
}
