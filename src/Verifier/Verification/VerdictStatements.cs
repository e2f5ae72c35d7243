using System.Text;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Verification;

/// <summary>
/// The per-cycle writes of the verification path as parameterised SQL, portable between SQLite and
/// PostgreSQL (snake_case names, <c>"index"</c> quoted). Each runs once or twice per verified cycle, and
/// profiling showed EF's LINQ <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> spending most of their time in
/// expression-tree parameter extraction and query-cache key hashing, not in the database; raw SQL skips
/// that pipeline (values still go as parameters through EF's type mappings).
/// </summary>
public static class VerdictStatements
{
    /// <summary>awaiting_evidence → evaluating_evidence; 0 rows when another PATCH won.</summary>
    public static Task<int> EvidenceReceivedAsync(VerifierDbContext db, Attestation attestation, DateTime now, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(
            """UPDATE attestations SET stage = {0}, evidence_received_at = {1} WHERE agent_id = {2} AND "index" = {3} AND stage = {4}""",
            [AttestationStates.EvaluatingEvidence, now, attestation.AgentId, attestation.Index, AttestationStates.AwaitingEvidence], cancellationToken);

    public static Task<int> EvidenceDataAsync(VerifierDbContext db, EvidenceItem item, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync("UPDATE evidence_items SET data = {0} WHERE id = {1}", [item.Data!, item.Id], cancellationToken);

    /// <summary>evaluating_evidence → verification_complete with the verdict; 0 rows when it was recorded already.</summary>
    public static Task<int> CompleteAsync(VerifierDbContext db, Attestation attestation, VerificationOutcome outcome, DateTime now,
        CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(
            """
            UPDATE attestations SET stage = {0}, evaluation = {1}, failure_reason = {2}, failure_detail = {3}, verification_completed_at = {4}
            WHERE agent_id = {5} AND "index" = {6} AND stage = {7}
            """,
            [AttestationStates.VerificationComplete, outcome.Evaluation, Nullable(outcome.FailureReason), Nullable(outcome.Detail), now,
                attestation.AgentId, attestation.Index, AttestationStates.EvaluatingEvidence], cancellationToken);

    /// <summary>By the item's natural key: items created by phase 1's batch are not read back, so their ids are unknown here.</summary>
    public static Task<int> EvidenceResultsAsync(VerifierDbContext db, EvidenceItem item, string results, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync("UPDATE evidence_items SET results = {0} WHERE agent_id = {1} AND attestation_index = {2} AND position = {3}",
            [results, item.AgentId, item.AttestationIndex, item.Position], cancellationToken);

    /// <summary>The agent's side of a verdict (spec §7.6 steps 5–6): counters and state transitions are SQL expressions, nothing is read first.</summary>
    public static Task<int> AgentAsync(VerifierDbContext db, string agentId, VerificationOutcome outcome, long seconds, bool autoRecover, long bootTime,
        CancellationToken cancellationToken)
    {
        var sql = new StringBuilder("UPDATE agents SET accept_attestations = {0}, last_received_quote = {1}");
        List<object> values = [true, seconds];
        if (outcome.Passed)
        {
            // Failures are forgiven only with auto_recover_attestation_failures (the status stays FAIL otherwise).
            sql.Append(", attestation_count = attestation_count + 1, last_successful_attestation = {1}")
                .Append(autoRecover ? ", consecutive_attestation_failures = 0" : ", consecutive_attestation_failures = COALESCE(consecutive_attestation_failures, 0)")
                .Append(", operational_state = CASE WHEN operational_state IS NULL OR operational_state = ")
                .Append(OperationalStates.Start).Append(" THEN ").Append(OperationalStates.GetQuote).Append(" ELSE operational_state END");
        }
        else
        {
            Set(sql, values, "last_event_id", Nullable(outcome.EventId));
            sql.Append(", consecutive_attestation_failures = COALESCE(consecutive_attestation_failures, 0) + 1");
        }

        if (outcome.Clock is { } clock)
        {
            Set(sql, values, "tpm_clock_info", ClockJson.Write(clock)); // only authenticated quotes become the clock reference
        }

        if (outcome.HashAlg.Length > 0)
        {
            Set(sql, values, "hash_alg", outcome.HashAlg);
            Set(sql, values, "sign_alg", outcome.SignAlg);
        }

        if (outcome.Ima is { } ima)
        {
            Set(sql, values, "next_ima_ml_entry", ima.NextEntry);
            Set(sql, values, "pcr10", Nullable(ima.Pcr10));
            Set(sql, values, "ima_quote_progress", Nullable(ProgressJson.Write(ima.Progress)));
            Set(sql, values, "learned_ima_keyrings", ima.LearnedKeyrings);
            Set(sql, values, "boot_time", ima.Pcr10 is null ? 0L : bootTime);
        }

        values.Add(agentId);
        sql.Append(" WHERE agent_id = {").Append(values.Count - 1).Append('}');
        return db.Database.ExecuteSqlRawAsync(sql.ToString(), values, cancellationToken);
    }

    /// <summary>Tokens of the agent still alive but past half their lifetime get a full lifetime again.</summary>
    public static Task<int> ExtendTokensAsync(VerifierDbContext db, string agentId, DateTime now, DateTime halfway, DateTime expires,
        CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(
            "UPDATE sessions SET token_expires_at = {0} WHERE agent_id = {1} AND active = {2} AND token_expires_at >= {3} AND token_expires_at < {4}",
            [expires, agentId, true, now, halfway], cancellationToken);

    /// <summary>The retention DELETE of <see cref="AttestationRetention"/>; evidence items go by the foreign key's cascade.</summary>
    public static Task<int> DeletePreviousIfRedundantAsync(VerifierDbContext db, string agentId, int previous, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(
            """
            DELETE FROM attestations
            WHERE agent_id = {0} AND "index" = {1} AND stage = {2} AND evaluation = {3}
              AND boot_time = (SELECT p.boot_time FROM attestations p
                               WHERE p.agent_id = {0} AND p."index" < {1} AND p.stage = {2}
                                 AND (p.failure_reason IS NULL OR p.failure_reason <> {4})
                               ORDER BY p."index" DESC LIMIT 1)
            """,
            [agentId, previous, AttestationStates.VerificationComplete, AttestationStates.Pass, AttestationStates.BrokenEvidenceChain], cancellationToken);

    private static void Set(StringBuilder sql, List<object> values, string column, object? value)
    {
        values.Add(value!);
        sql.Append(", ").Append(column).Append(" = {").Append(values.Count - 1).Append('}');
    }

    /// <summary>EF maps a null value to an untyped NULL parameter (DBNull has no type mapping); the API is annotated non-null.</summary>
    private static object Nullable(object? value) => value!;
}
