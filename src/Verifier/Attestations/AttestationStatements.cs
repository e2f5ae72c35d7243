using Keylime.Verifier.Data;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// The attestation protocol's writes as <see cref="SqlBatch"/> statements (one round trip each on
/// PostgreSQL), portable between SQLite and PostgreSQL: snake_case names, <c>"index"</c> quoted.
/// </summary>
public static class AttestationStatements
{
    /// <summary>
    /// Phase 1: the attestation and its requested items. A concurrent creation for the same agent and index
    /// violates the primary key, and a deleted agent the foreign key: the batch then writes nothing.
    /// </summary>
    public static List<SqlStatement> Create(Attestation attestation)
    {
        List<SqlStatement> statements =
        [
            new("""
                INSERT INTO attestations (agent_id, "index", stage, evaluation, boot_time, capabilities_received_at, challenges_expire_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                attestation.AgentId, attestation.Index, attestation.Stage, attestation.Evaluation, attestation.BootTime,
                attestation.CapabilitiesReceivedAt, attestation.ChallengesExpireAt),
        ];
        foreach (var item in attestation.EvidenceItems)
        {
            statements.Add(new("""
                INSERT INTO evidence_items (agent_id, attestation_index, position, evidence_class, evidence_type, capabilities, chosen_parameters)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                item.AgentId, item.AttestationIndex, item.Position, item.EvidenceClass, item.EvidenceType, item.Capabilities, item.ChosenParameters));
        }

        return statements;
    }

    /// <summary>
    /// Phase 2: awaiting_evidence → evaluating_evidence, only while the attestation is still the agent's
    /// latest (the first statement affects 0 rows otherwise, or when another PATCH won), then each item's
    /// evidence — written only if this batch made the stage change (its timestamp) and the item is still
    /// empty, so a losing PATCH, sent in the same batch, changes nothing.
    /// </summary>
    public static List<SqlStatement> EvidenceReceived(Attestation attestation, DateTime now)
    {
        List<SqlStatement> statements =
        [
            new("""
                UPDATE attestations SET stage = $1, evidence_received_at = $2
                WHERE agent_id = $3 AND "index" = $4 AND stage = $5
                  AND NOT EXISTS (SELECT 1 FROM attestations n WHERE n.agent_id = $3 AND n."index" > $4)
                """,
                AttestationStates.EvaluatingEvidence, now, attestation.AgentId, attestation.Index, AttestationStates.AwaitingEvidence),
        ];
        foreach (var item in attestation.EvidenceItems)
        {
            statements.Add(new("""
                UPDATE evidence_items SET data = $1
                WHERE agent_id = $2 AND attestation_index = $3 AND position = $4 AND data IS NULL
                  AND EXISTS (SELECT 1 FROM attestations a WHERE a.agent_id = $2 AND a."index" = $3 AND a.stage = $5 AND a.evidence_received_at = $6)
                """,
                item.Data, item.AgentId, item.AttestationIndex, item.Position, AttestationStates.EvaluatingEvidence, now));
        }

        return statements;
    }
}

/// <summary>
/// The reads of <c>GET …/attestations[/{index|latest}]</c> (spec §7.4) as one <see cref="SqlBatch"/> query:
/// the attestations with their items, joined, in index and position order.
/// </summary>
public static class AttestationReads
{
    private const string Select = """
        SELECT a."index", a.stage, a.evaluation, a.failure_reason, a.failure_detail, a.boot_time, a.capabilities_received_at,
               a.challenges_expire_at, a.evidence_received_at, a.verification_completed_at,
               e.position, e.evidence_class, e.evidence_type, e.capabilities, e.chosen_parameters, e.data, e.results
        FROM attestations a LEFT JOIN evidence_items e ON e.agent_id = a.agent_id AND e.attestation_index = a."index"
        WHERE a.agent_id = $1
        """;

    public static Task<List<Attestation>> LatestAsync(VerifierDbContext db, string agentId, CancellationToken cancellationToken) =>
        ReadAsync(db, new SqlStatement(Select + """
             AND a."index" = (SELECT MAX(x."index") FROM attestations x WHERE x.agent_id = $1) ORDER BY e.position
            """, agentId), agentId, cancellationToken);

    public static Task<List<Attestation>> OneAsync(VerifierDbContext db, string agentId, int index, CancellationToken cancellationToken) =>
        ReadAsync(db, new SqlStatement(Select + """ AND a."index" = $2 ORDER BY e.position""", agentId, index), agentId, cancellationToken);

    public static Task<List<Attestation>> AllAsync(VerifierDbContext db, string agentId, CancellationToken cancellationToken) =>
        ReadAsync(db, new SqlStatement(Select + """ ORDER BY a."index", e.position""", agentId), agentId, cancellationToken);

    private static Task<List<Attestation>> ReadAsync(VerifierDbContext db, SqlStatement query, string agentId, CancellationToken cancellationToken) =>
        SqlBatch.QueryAsync(db, query, async (reader, ct) =>
        {
            var attestations = new List<Attestation>();
            while (await reader.ReadAsync(ct))
            {
                var index = reader.GetInt32(0);
                if (attestations.Count == 0 || attestations[^1].Index != index)
                {
                    attestations.Add(new Attestation
                    {
                        AgentId = agentId,
                        Index = index,
                        Stage = reader.GetString(1),
                        Evaluation = reader.GetString(2),
                        FailureReason = SqlBatch.StringOrNull(reader, 3),
                        FailureDetail = SqlBatch.StringOrNull(reader, 4),
                        BootTime = SqlBatch.Utc(reader, 5),
                        CapabilitiesReceivedAt = SqlBatch.Utc(reader, 6),
                        ChallengesExpireAt = SqlBatch.Utc(reader, 7),
                        EvidenceReceivedAt = SqlBatch.UtcOrNull(reader, 8),
                        VerificationCompletedAt = SqlBatch.UtcOrNull(reader, 9),
                    });
                }

                if (!reader.IsDBNull(10))
                {
                    attestations[^1].EvidenceItems.Add(new EvidenceItem
                    {
                        AgentId = agentId,
                        AttestationIndex = index,
                        Position = reader.GetInt32(10),
                        EvidenceClass = reader.GetString(11),
                        EvidenceType = reader.GetString(12),
                        Capabilities = SqlBatch.StringOrNull(reader, 13),
                        ChosenParameters = SqlBatch.StringOrNull(reader, 14),
                        Data = SqlBatch.StringOrNull(reader, 15),
                        Results = SqlBatch.StringOrNull(reader, 16),
                    });
                }
            }

            return attestations;
        }, cancellationToken);
}
