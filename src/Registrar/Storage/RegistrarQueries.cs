using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Keylime.Registrar.Storage;

/// <summary>The stored activation key of one agent; null <see cref="Key"/> when the row has none.</summary>
public sealed record StoredKey(string? Key);

/// <summary>
/// The per-request statements of registration and activation. Reads are compiled queries (EF skips
/// the expression-tree translation and cache lookup of a LINQ query on every call); writes are single
/// statements with no change tracking. Identifiers are quoted because <c>key</c> and <c>virtual</c>
/// are SQL keywords; the SQL is the common subset of SQLite and PostgreSQL.
/// </summary>
public static class RegistrarQueries
{
    // A compiled query runs only against the model it was first used with; there is one model per
    // provider (a process uses one, an in-process host in tests may use both), so one compilation each.
    private static readonly ConditionalWeakTable<IModel, Func<RegistrarDbContext, string, CancellationToken, Task<RegisteredAgent?>>> FindQueries = [];
    private static readonly ConditionalWeakTable<IModel, Func<RegistrarDbContext, string, CancellationToken, Task<StoredKey?>>> KeyQueries = [];

    /// <summary>The whole row, untracked; null when the agent is unknown.</summary>
    public static Task<RegisteredAgent?> FindAsync(RegistrarDbContext db, string agentId, CancellationToken cancellationToken) =>
        FindQueries.GetValue(db.Model, static _ => EF.CompileAsyncQuery((RegistrarDbContext db, string agentId, CancellationToken _) =>
            db.Agents.AsNoTracking().FirstOrDefault(a => a.AgentId == agentId)))(db, agentId, cancellationToken);

    /// <summary>Only the activation key; null when the agent is unknown.</summary>
    public static Task<StoredKey?> KeyAsync(RegistrarDbContext db, string agentId, CancellationToken cancellationToken) =>
        KeyQueries.GetValue(db.Model, static _ => EF.CompileAsyncQuery((RegistrarDbContext db, string agentId, CancellationToken _) =>
            db.Agents.Where(a => a.AgentId == agentId).Select(a => new StoredKey(a.Key)).FirstOrDefault()))(db, agentId, cancellationToken);

    /// <summary>
    /// Inserts a new registration; false (nothing written) when the ID is already taken — another
    /// process won the race since our read. One statement, no change tracking.
    /// </summary>
    public static async Task<bool> InsertAsync(RegistrarDbContext db, RegisteredAgent a, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "registrarmain" ("agent_id", "key", "aik_tpm", "ek_tpm", "ekcert", "iak_tpm", "idevid_tpm", "iak_cert", "idevid_cert",
                "mtls_cert", "ip", "port", "active", "virtual", "provider_keys", "regcount")
            VALUES ({a.AgentId}, {a.Key}, {a.AikTpm}, {a.EkTpm}, {a.EkCert}, {a.IakTpm}, {a.IdevidTpm}, {a.IakCert}, {a.IdevidCert},
                {a.MtlsCert}, {a.Ip}, {a.Port}, {a.Active}, {a.Virtual}, {a.ProviderKeys}, {a.Regcount})
            ON CONFLICT ("agent_id") DO NOTHING
            """,
            cancellationToken) == 1;

    /// <summary>Marks the agent active; false when the row is gone.</summary>
    public static async Task<bool> ActivateAsync(RegistrarDbContext db, string agentId, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""UPDATE "registrarmain" SET "active" = {true} WHERE "agent_id" = {agentId}""", cancellationToken) == 1;

    /// <summary>Deletes the agent's row; false when there was none.</summary>
    public static async Task<bool> DeleteAsync(RegistrarDbContext db, string agentId, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""DELETE FROM "registrarmain" WHERE "agent_id" = {agentId}""", cancellationToken) == 1;
}
