using Keylime.Registrar.Api;
using Keylime.Registrar.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Registrar.Agents;

public enum ShowStatus
{
    Found,
    NotFound,
    NotActivated,
}

/// <summary>The admin view of the registrations: list, show, delete (spec/registrar.md §4.3–4.5).</summary>
public sealed class AgentDirectory(RegistrarDbContext db, AgentLocks locks)
{
    /// <summary>Every ID, active or not, in database order (Keylime does not sort either).</summary>
    public async Task<List<string>> ListAsync(CancellationToken cancellationToken) =>
        await db.Agents.AsNoTracking().Select(a => a.AgentId).ToListAsync(cancellationToken);

    /// <summary>The record as the tenant reads it; inactive records stay invisible (404) until activated.</summary>
    public async Task<(ShowStatus Status, AgentResults? Agent)> ShowAsync(string agentId, CancellationToken cancellationToken)
    {
        if (!AgentId.IsValid(agentId))
        {
            return (ShowStatus.NotFound, null);
        }

        var agent = await db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.AgentId == agentId, cancellationToken);
        if (agent is null)
        {
            return (ShowStatus.NotFound, null);
        }

        if (!agent.Active)
        {
            return (ShowStatus.NotActivated, null);
        }

        return (ShowStatus.Found, new AgentResults(
            agent.AgentId, agent.EkTpm, agent.EkCert, agent.AikTpm, agent.Ip, agent.Port, MtlsCertificateText(agent.MtlsCert), agent.Regcount));
    }

    /// <summary>Deletes active and pending records alike; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string agentId, CancellationToken cancellationToken)
    {
        if (!AgentId.IsValid(agentId))
        {
            return false;
        }

        using var held = await locks.AcquireAsync(agentId, cancellationToken);
        return await db.Agents.Where(a => a.AgentId == agentId).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>The tenant pins the agent's server certificate from PEM; <c>disabled</c> and null pass through.</summary>
    private static string? MtlsCertificateText(string? stored)
    {
        if (stored is null || stored == "disabled")
        {
            return stored;
        }

        try
        {
            return System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", Convert.FromBase64String(stored)) + "\n";
        }
        catch (FormatException)
        {
            return stored;
        }
    }
}
