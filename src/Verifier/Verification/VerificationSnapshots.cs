using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;

namespace Keylime.Verifier.Verification;

/// <summary>
/// The agent as one attestation sees it: what phase 1's gates and negotiation read, what the checks and
/// the verdict need, the earliest expiry of its live tokens (null: none) and its latest attestation's timing.
/// </summary>
public sealed record AgentSnapshot(Agent Agent, DateTime? EarliestTokenExpiry, LatestTiming Latest)
{
    /// <summary>The row versions the snapshot was read at (PostgreSQL only; null on SQLite).</summary>
    public RowVersions? Versions { get; init; }
}

/// <summary>
/// The agent row as a verdict left it (PostgreSQL): its version before and after the UPDATE and the snapshot
/// columns a verdict changes. When <see cref="VersionBefore"/> is the version the verification read, nothing
/// else changed the row in between, and <see cref="ApplyTo"/> gives the agent as it now is.
/// </summary>
public sealed record AgentAfterVerdict(string VersionBefore, string Version, bool AcceptAttestations, int AttestationCount, string? TpmClockInfo,
    long NextImaMlEntry, byte[]? Pcr10, long BootTime, string LearnedImaKeyrings, string? ImaQuoteProgress)
{
    public Agent ApplyTo(Agent verified)
    {
        var agent = verified.Copy();
        agent.AcceptAttestations = AcceptAttestations;
        agent.AttestationCount = AttestationCount;
        agent.TpmClockInfo = TpmClockInfo;
        agent.NextImaMlEntry = NextImaMlEntry;
        agent.Pcr10 = Pcr10;
        agent.BootTime = BootTime;
        agent.LearnedImaKeyrings = LearnedImaKeyrings;
        agent.ImaQuoteProgress = ImaQuoteProgress;
        return agent;
    }
}

/// <summary>
/// PostgreSQL row versions (<c>xmin</c>, as text) of the agent and of its runtime and measured-boot policies
/// (null without one): any change to one of these rows gives it a new version.
/// </summary>
public sealed record RowVersions(string Agent, string? RuntimePolicy, string? MbPolicy);

/// <summary>What the gates need of the agent's latest attestation; <see cref="Index"/> null when it has none.</summary>
public sealed record LatestTiming(int? Index, string? Stage, DateTime? CapabilitiesReceivedAt, DateTime? ChallengesExpireAt,
    DateTime? EvidenceReceivedAt);

/// <summary>
/// The database reads of an attestation, one query each. The agent snapshot holds the columns phase 1,
/// the checks and the verdict need — not the echo-only ones, and not the runtime policy text: the compiled
/// policy is cached by id and checksum (<see cref="RuntimePolicyCache"/>). Phase 1 takes the snapshot when
/// it issues the challenge and the PATCH hands it to the worker in memory; only a PATCH that finds no
/// <see cref="PendingAttestations"/> entry reads it again, and a start-up re-queue reads everything back
/// with <see cref="InputAsync"/>.
/// </summary>
public static class VerificationSnapshots
{
    /// <summary>
    /// One statement: the agent, its policies' identities, its earliest live token and its latest attestation
    /// (a primary-key seek by the maximum index). Plain SQL rather than EF's LINQ: this runs on every phase 1.
    /// </summary>
    private const string AgentColumns = """
        SELECT a.agent_id, a.ak_tpm, a.tpm_policy, a.accept_tpm_hash_algs, a.accept_tpm_signing_algs, a.accept_attestations, a.verifier_id,
               a.runtime_policy_id, r.name, r.checksum, r.generator, a.mb_policy_id, m.name, m.mb_policy,
               a.attestation_count, a.tpm_clock_info, a.next_ima_ml_entry, a.pcr10, a.boot_time, a.learned_ima_keyrings, a.ima_quote_progress,
               (SELECT MIN(s.token_expires_at) FROM sessions s WHERE s.agent_id = a.agent_id AND s.active = $3 AND s.token_expires_at >= $2),
               l."index", l.stage, l.capabilities_received_at, l.challenges_expire_at, l.evidence_received_at
        """;

    private const string AgentFrom = """

        FROM agents a
        LEFT JOIN runtime_policies r ON r.id = a.runtime_policy_id
        LEFT JOIN mb_policies m ON m.id = a.mb_policy_id
        LEFT JOIN attestations l ON l.agent_id = a.agent_id AND l."index" = (SELECT MAX(x."index") FROM attestations x WHERE x.agent_id = a.agent_id)
        WHERE a.agent_id = $1
        """;

    private const string AgentQuery = AgentColumns + AgentFrom;

    /// <summary>PostgreSQL: the same, with the row versions (<see cref="RowVersions"/>) as columns 27–29.</summary>
    private const string AgentQueryWithVersions = AgentColumns + ", a.xmin::text, r.xmin::text, m.xmin::text" + AgentFrom;

    /// <summary>
    /// The RETURNING clause of a verdict's agent UPDATE on PostgreSQL (<see cref="Returned"/> reads it): the row's
    /// version before the statement (a subquery sees the row as the statement found it) and after it, and the
    /// snapshot columns a verdict changes.
    /// </summary>
    public const string AgentReturning = """
         RETURNING (SELECT o.xmin::text FROM agents o WHERE o.agent_id = agents.agent_id), xmin::text,
               accept_attestations, attestation_count, tpm_clock_info, next_ima_ml_entry, pcr10, boot_time, learned_ima_keyrings, ima_quote_progress
        """;

    public static Task<AgentSnapshot?> AgentAsync(ISqlTarget db, string agentId, DateTime now, CancellationToken cancellationToken) =>
        SqlBatch.QueryAsync(db, new SqlStatement(db.Pipeline is null ? AgentQuery : AgentQueryWithVersions, agentId, now, true),
            async (reader, ct) => await reader.ReadAsync(ct) ? Snapshot(reader) : null, cancellationToken);

    /// <summary>
    /// What each of <paramref name="count"/> verdicts returned (<see cref="Returned"/>), one result set after the
    /// other — exactly that many: in a grouped batch the next result set belongs to another request.
    /// </summary>
    public static async Task<AgentAfterVerdict?[]> ReturnedAsync(System.Data.Common.DbDataReader reader, int count, CancellationToken cancellationToken)
    {
        var returned = new AgentAfterVerdict?[count];
        for (var i = 0; i < count; i++)
        {
            if (i > 0 && !await reader.NextResultAsync(cancellationToken))
            {
                throw new InvalidOperationException("a verdict returned no result set");
            }

            returned[i] = await Returned(reader, cancellationToken);
        }

        return returned;
    }

    /// <summary>What a verdict's agent UPDATE returned (<see cref="AgentReturning"/>); null when it changed no row.</summary>
    public static async Task<AgentAfterVerdict?> Returned(System.Data.Common.DbDataReader r, CancellationToken cancellationToken) =>
        await r.ReadAsync(cancellationToken)
            ? new AgentAfterVerdict(r.GetString(0), r.GetString(1), r.GetBoolean(2), r.GetInt32(3), SqlBatch.StringOrNull(r, 4), r.GetInt64(5),
                r.IsDBNull(6) ? null : r.GetFieldValue<byte[]>(6), r.GetInt64(7), r.GetString(8), SqlBatch.StringOrNull(r, 9))
            : null;

    private static AgentSnapshot Snapshot(System.Data.Common.DbDataReader r)
    {
        var agent = new Agent
        {
            AgentId = r.GetString(0),
            AkTpm = r.GetFieldValue<byte[]>(1),
            TpmPolicy = r.GetString(2),
            AcceptTpmHashAlgs = SqlBatch.StringList(r, 3),
            AcceptTpmSigningAlgs = SqlBatch.StringList(r, 4),
            AcceptAttestations = r.GetBoolean(5),
            VerifierId = r.GetString(6),
            RuntimePolicyId = r.GetInt32(7),
            MbPolicyId = r.GetInt32(11),
            AttestationCount = r.GetInt32(14),
            TpmClockInfo = SqlBatch.StringOrNull(r, 15),
            NextImaMlEntry = r.GetInt64(16),
            Pcr10 = r.IsDBNull(17) ? null : r.GetFieldValue<byte[]>(17),
            BootTime = r.GetInt64(18),
            LearnedImaKeyrings = r.GetString(19),
            ImaQuoteProgress = SqlBatch.StringOrNull(r, 20),
        };
        agent.RuntimePolicy = r.IsDBNull(8)
            ? null
            : new RuntimePolicy { Id = agent.RuntimePolicyId, Name = r.GetString(8), Checksum = SqlBatch.StringOrNull(r, 9) ?? "", Generator = r.GetInt32(10) };
        agent.MbPolicy = r.IsDBNull(12)
            ? null
            : new MeasuredBootPolicy { Id = agent.MbPolicyId, Name = r.GetString(12), MbPolicy = SqlBatch.StringOrNull(r, 13) };
        var latest = r.IsDBNull(22)
            ? new LatestTiming(null, null, null, null, null)
            : new LatestTiming(r.GetInt32(22), r.GetString(23), SqlBatch.Utc(r, 24), SqlBatch.Utc(r, 25), SqlBatch.UtcOrNull(r, 26));
        return new AgentSnapshot(agent, SqlBatch.UtcOrNull(r, 21), latest)
        {
            Versions = r.FieldCount > 29 ? new RowVersions(r.GetString(27), SqlBatch.StringOrNull(r, 28), SqlBatch.StringOrNull(r, 29)) : null,
        };
    }

    /// <summary>Everything a re-queued attestation needs, or null when it is no longer <c>evaluating_evidence</c>.</summary>
    public static async Task<VerificationInput?> InputAsync(VerifierDbContext db, VerificationJob job, DateTime now, CancellationToken cancellationToken)
    {
        var attestation = (await AttestationReads.OneAsync(db, job.AgentId, job.Index, cancellationToken))
            .FirstOrDefault(a => a.Stage == AttestationStates.EvaluatingEvidence);
        var agent = attestation is null ? null : await AgentAsync(db, job.AgentId, now, cancellationToken);
        return attestation is null || agent is null
            ? null
            : new VerificationInput(agent.Agent, attestation, attestation.EvidenceItems)
            {
                EarliestTokenExpiry = agent.EarliestTokenExpiry, Versions = agent.Versions,
            };
    }
}
