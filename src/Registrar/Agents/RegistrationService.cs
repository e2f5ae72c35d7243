using Keylime.Registrar.Storage;
using Keylime.Shared.Tpm;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Registrar.Agents;

/// <summary>
/// Registration (spec/registrar.md §5.3): load → identity immutability → validation → challenge →
/// store, serialized per agent ID. Nothing is written unless the answer is 200.
/// </summary>
public sealed class RegistrationService(RegistrarDbContext db, AgentLocks locks, RegistrationPolicy policy, ILogger<RegistrationService> logger)
{
    public async Task<RegistrationOutcome> RegisterAsync(string agentId, RegistrationRequest request, CancellationToken cancellationToken)
    {
        if (!AgentId.IsValid(agentId))
        {
            return Refuse(agentId, ["agent_id must be 1-255 characters of letters, digits, '_', '.', '-'"]);
        }

        using var held = await locks.AcquireAsync(agentId, cancellationToken);

        // One connection for the read and the write (each open runs the SQLite pragmas again).
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await RegisterLockedAsync(agentId, request, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<RegistrationOutcome> RegisterLockedAsync(string agentId, RegistrationRequest request, CancellationToken cancellationToken)
    {
        var stored = await RegistrarQueries.FindAsync(db, agentId, cancellationToken);

        // Identity first: a changed EK/AK is 403 even when other fields are also bad (spec §12.12).
        if (stored is not null && RegistrationChecks.ChangesIdentity(request, stored))
        {
            logger.LogWarning("Agent {AgentId} tried to re-register with a different TPM identity", agentId);
            return new RegistrationOutcome.IdentityChanged();
        }

        var identity = MergedIdentity.From(request, stored);
        var errors = new List<string>(request.Errors);
        errors.AddRange(RegistrationChecks.Validate(request, identity, policy));
        if (errors.Count > 0)
        {
            return Refuse(agentId, errors);
        }

        var credential = MakeCredential.NewKeylimeCredential();
        byte[] blob;
        try
        {
            var ek = TpmPublic.Parse(identity.EkTpm);
            var ak = TpmPublic.Parse(identity.AikTpm);
            blob = MakeCredential.Create(ek, ak.Name, credential).ToBytes();
        }
        catch (Exception e) when (e is TpmFormatException or System.Security.Cryptography.CryptographicException or NotSupportedException)
        {
            return Refuse(agentId, [$"could not build the challenge for this EK: {e.Message}"]);
        }

        var record = Apply(request, identity, stored, agentId);
        record.Key = ActivationProof.KeyFor(credential);
        return await SaveAsync(record, isNew: stored is null, cancellationToken)
            ? new RegistrationOutcome.Challenged(Convert.ToBase64String(blob))
            : new RegistrationOutcome.Conflict();
    }

    /// <summary>Steps 2, 9, 10: copy the sent fields, reset <c>active</c>, count the registration.</summary>
    private static RegisteredAgent Apply(RegistrationRequest request, MergedIdentity identity, RegisteredAgent? stored, string agentId)
    {
        var record = stored ?? new RegisteredAgent { AgentId = agentId, ProviderKeys = "{}" };
        record.EkTpm = Base64(identity.EkTpm);
        record.EkCert = Base64(identity.EkCert);
        record.AikTpm = Base64(identity.AikTpm);
        record.IakTpm = Base64(identity.IakTpm);
        record.IdevidTpm = Base64(identity.IdevidTpm);
        record.IakCert = Base64(identity.IakCert);
        record.IdevidCert = Base64(identity.IdevidCert);
        if (request.MtlsCert.Present)
        {
            record.MtlsCert = request.MtlsCert.Value;
        }

        if (request.Ip.Present)
        {
            record.Ip = request.Ip.Value;
        }

        if (request.Port.Present)
        {
            record.Port = request.Port.Value;
        }

        record.Active = false;
        record.Regcount = (stored?.Regcount ?? 0) + 1;
        return record;
    }

    /// <summary>Insert or update; a lost race with another process (duplicate key, row gone) is false, never a 500.</summary>
    private async Task<bool> SaveAsync(RegisteredAgent record, bool isNew, CancellationToken cancellationToken)
    {
        if (isNew)
        {
            // The common case, one statement: a first registration.
            if (await RegistrarQueries.InsertAsync(db, record, cancellationToken))
            {
                return true;
            }

            logger.LogWarning("Registration of agent {AgentId} lost a race in the database", record.AgentId);
            return false;
        }

        db.Agents.Update(record);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException e)
        {
            logger.LogWarning(e, "Registration of agent {AgentId} lost a race in the database", record.AgentId);
            return false;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    private RegistrationOutcome.Invalid Refuse(string agentId, IReadOnlyList<string> reasons)
    {
        logger.LogWarning("Registration of agent {AgentId} refused: {Reasons}", agentId, string.Join("; ", reasons));
        return new RegistrationOutcome.Invalid(reasons);
    }

    private static string? Base64(byte[]? bytes) => bytes is null ? null : Convert.ToBase64String(bytes);
}
