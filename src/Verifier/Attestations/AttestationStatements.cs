using Keylime.Verifier.Data;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// The attestation protocol's writes as <see cref="SqlBatch"/> statements (one round trip each on
/// PostgreSQL), portable between SQLite and PostgreSQL: snake_case names, <c>"index"</c> quoted.
/// </summary>
public static class AttestationStatements
{
    /// <summary>
    /// Phase 1: the attestation with its requested items. A concurrent creation for the same agent and index
    /// violates the primary key, and a deleted agent the foreign key: nothing is written then.
    /// </summary>
    public static List<SqlStatement> Create(Attestation attestation) =>
    [
        new("""
            INSERT INTO attestations (agent_id, "index", stage, evaluation, boot_time, capabilities_received_at, challenges_expire_at, evidence)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            attestation.AgentId, attestation.Index, attestation.Stage, attestation.Evaluation, attestation.BootTime,
            attestation.CapabilitiesReceivedAt, attestation.ChallengesExpireAt, attestation.EvidenceJson),
    ];

    /// <summary>
    /// Phase 1 on a carried snapshot (PostgreSQL, <see cref="CarriedSnapshots"/>): the same INSERT, taking effect
    /// only while the agent row and its policy rows still have the carried <paramref name="versions"/> and the
    /// agent's latest attestation is still <paramref name="latestIndex"/> — 0 rows otherwise, and phase 1
    /// reads the snapshot and decides again.
    /// </summary>
    public static List<SqlStatement> CreateIfUnchanged(Attestation attestation, Verification.RowVersions versions, int? latestIndex) =>
    [
        new("""
            INSERT INTO attestations (agent_id, "index", stage, evaluation, boot_time, capabilities_received_at, challenges_expire_at, evidence)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8
            WHERE EXISTS (SELECT 1 FROM agents a
                          LEFT JOIN runtime_policies r ON r.id = a.runtime_policy_id
                          LEFT JOIN mb_policies m ON m.id = a.mb_policy_id
                          WHERE a.agent_id = $1 AND a.xmin::text = $9
                            AND r.xmin::text IS NOT DISTINCT FROM $10 AND m.xmin::text IS NOT DISTINCT FROM $11)
              AND (SELECT MAX(x."index") FROM attestations x WHERE x.agent_id = $1) IS NOT DISTINCT FROM $12
            """,
            attestation.AgentId, attestation.Index, attestation.Stage, attestation.Evaluation, attestation.BootTime,
            attestation.CapabilitiesReceivedAt, attestation.ChallengesExpireAt, attestation.EvidenceJson,
            versions.Agent, versions.RuntimePolicy, versions.MbPolicy, latestIndex),
    ];

    /// <summary>
    /// Phase 2: awaiting_evidence → evaluating_evidence with the items' evidence, only while the attestation
    /// is still the agent's latest and still awaiting evidence (0 rows otherwise, or when another PATCH won).
    /// </summary>
    public static List<SqlStatement> EvidenceReceived(Attestation attestation, DateTime now) =>
    [
        new("""
            UPDATE attestations SET stage = $1, evidence_received_at = $2, evidence = $3
            WHERE agent_id = $4 AND "index" = $5 AND stage = $6
              AND NOT EXISTS (SELECT 1 FROM attestations n WHERE n.agent_id = $4 AND n."index" > $5)
            """,
            AttestationStates.EvaluatingEvidence, now, attestation.EvidenceJson, attestation.AgentId, attestation.Index,
            AttestationStates.AwaitingEvidence),
    ];
}

/// <summary>
/// The reads of <c>GET …/attestations[/{index|latest}]</c> (spec §7.4) as one <see cref="SqlBatch"/> query:
/// the attestations with their items, in index order.
/// </summary>
public static class AttestationReads
{
    private const string Select = """
        SELECT a."index", a.stage, a.evaluation, a.failure_reason, a.failure_detail, a.boot_time, a.capabilities_received_at,
               a.challenges_expire_at, a.evidence_received_at, a.verification_completed_at, a.evidence
        FROM attestations a
        WHERE a.agent_id = $1
        """;

    public static Task<List<Attestation>> LatestAsync(ISqlTarget db, string agentId, CancellationToken cancellationToken) =>
        ReadAsync(db, new SqlStatement(Select + """
             AND a."index" = (SELECT MAX(x."index") FROM attestations x WHERE x.agent_id = $1)
            """, agentId), agentId, cancellationToken);

    public static Task<List<Attestation>> OneAsync(ISqlTarget db, string agentId, int index, CancellationToken cancellationToken) =>
        ReadAsync(db, new SqlStatement(Select + """ AND a."index" = $2""", agentId, index), agentId, cancellationToken);

    public static Task<List<Attestation>> AllAsync(ISqlTarget db, string agentId, CancellationToken cancellationToken) =>
        ReadAsync(db, new SqlStatement(Select + " ORDER BY a.\"index\"", agentId), agentId, cancellationToken);

    private static Task<List<Attestation>> ReadAsync(ISqlTarget db, SqlStatement query, string agentId, CancellationToken cancellationToken) =>
        SqlBatch.QueryAsync(db, query, async (reader, ct) =>
        {
            var attestations = new List<Attestation>();
            while (await reader.ReadAsync(ct))
            {
                attestations.Add(new Attestation
                {
                    AgentId = agentId,
                    Index = reader.GetInt32(0),
                    Stage = reader.GetString(1),
                    Evaluation = reader.GetString(2),
                    FailureReason = SqlBatch.StringOrNull(reader, 3),
                    FailureDetail = SqlBatch.StringOrNull(reader, 4),
                    BootTime = SqlBatch.Utc(reader, 5),
                    CapabilitiesReceivedAt = SqlBatch.Utc(reader, 6),
                    ChallengesExpireAt = SqlBatch.Utc(reader, 7),
                    EvidenceReceivedAt = SqlBatch.UtcOrNull(reader, 8),
                    VerificationCompletedAt = SqlBatch.UtcOrNull(reader, 9),
                    EvidenceJson = reader.GetString(10),
                });
            }

            return attestations;
        }, cancellationToken);
}
