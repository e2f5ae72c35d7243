using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;

namespace Keylime.Verifier.Verification;

/// <summary>
/// The statements of one verdict (spec/verifier.md §7.6 steps 5–9) for a <see cref="SqlBatch"/>, portable
/// between SQLite and PostgreSQL. <see cref="Complete"/> completes the attestation only if it is still
/// <c>evaluating_evidence</c>; the others apply only for the verdicts whose completion took effect, in the
/// same transaction (<see cref="VerificationRecorder"/>).
/// </summary>
public static partial class VerdictStatements
{
    /// <summary>
    /// evaluating_evidence → verification_complete with the verdict and, when the checks produced item
    /// results (IMA's certified entry count), the evidence column with them; 0 rows when it was recorded already.
    /// </summary>
    public static SqlStatement Complete(Attestation attestation, VerificationOutcome outcome, DateTime now, string? evidenceWithResults = null)
    {
        object?[] values =
        [
            AttestationStates.VerificationComplete, outcome.Evaluation, outcome.FailureReason, outcome.Detail, now,
            attestation.AgentId, attestation.Index, AttestationStates.EvaluatingEvidence,
        ];
        return evidenceWithResults is null
            ? new SqlStatement(CompleteSql, values)
            : new SqlStatement(CompleteWithEvidenceSql, [.. values, evidenceWithResults]);
    }

    private const string CompleteSql = """
        UPDATE attestations SET stage = $1, evaluation = $2, failure_reason = $3, failure_detail = $4, verification_completed_at = $5
        WHERE agent_id = $6 AND "index" = $7 AND stage = $8
        """;

    private const string CompleteWithEvidenceSql = """
        UPDATE attestations SET stage = $1, evaluation = $2, failure_reason = $3, failure_detail = $4, verification_completed_at = $5, evidence = $9
        WHERE agent_id = $6 AND "index" = $7 AND stage = $8
        """;

    /// <summary>
    /// The agent's side of a verdict (steps 5–6): counters and state transitions are SQL expressions, nothing is read first.
    /// The text depends only on which columns change (<see cref="AgentShape"/>), so each shape is put together once.
    /// </summary>
    public static SqlStatement Agent(Attestation attestation, VerificationOutcome outcome, DateTime now, bool autoRecover)
    {
        var shape = AgentShape(outcome, autoRecover);
        var known = AgentTexts[shape];
        var sql = known is null ? new StringBuilder("UPDATE agents SET accept_attestations = $1, last_received_quote = $2") : null;
        List<object?> values = [true, new DateTimeOffset(now).ToUnixTimeSeconds()];
        if (outcome.Passed)
        {
            // Failures are forgiven only with auto_recover_attestation_failures (the status stays FAIL otherwise).
            sql?.Append(", attestation_count = attestation_count + 1, last_successful_attestation = $2")
                .Append(autoRecover ? ", consecutive_attestation_failures = 0" : ", consecutive_attestation_failures = COALESCE(consecutive_attestation_failures, 0)")
                .Append(", operational_state = CASE WHEN operational_state IS NULL OR operational_state = ")
                .Append(OperationalStates.Start).Append(" THEN ").Append(OperationalStates.GetQuote).Append(" ELSE operational_state END");
        }
        else
        {
            Set(sql, values, "last_event_id", outcome.EventId);
            sql?.Append(", consecutive_attestation_failures = COALESCE(consecutive_attestation_failures, 0) + 1");
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
            Set(sql, values, "pcr10", ima.Pcr10);
            Set(sql, values, "ima_quote_progress", ProgressJson.Write(ima.Progress));
            Set(sql, values, "learned_ima_keyrings", ima.LearnedKeyrings);
            Set(sql, values, "boot_time", ima.Pcr10 is null ? 0L : new DateTimeOffset(attestation.BootTime).ToUnixTimeSeconds());
        }

        values.Add(attestation.AgentId);
        if (sql is not null)
        {
            sql.Append(" WHERE agent_id = $").Append(values.Count);
            known = AgentTexts[shape] = sql.ToString(); // a race only builds the same text twice
        }

        return new SqlStatement(known!, [.. values]);
    }

    /// <summary>Which of <see cref="Agent"/>'s optional columns a verdict sets: pass or fail, auto-recovery, clock, algorithms, IMA.</summary>
    private static int AgentShape(VerificationOutcome outcome, bool autoRecover) =>
        (outcome.Passed ? 1 : 0) | (autoRecover ? 2 : 0) | (outcome.Clock is not null ? 4 : 0) | (outcome.HashAlg.Length > 0 ? 8 : 0)
        | (outcome.Ima is not null ? 16 : 0);

    private static readonly string?[] AgentTexts = new string?[32];

    /// <summary>Tokens of the agent still alive but past half their lifetime get a full lifetime again.</summary>
    public static SqlStatement ExtendTokens(Attestation attestation, DateTime now, DateTime halfway, DateTime expires) =>
        new("""
             UPDATE sessions SET token_expires_at = $1 WHERE agent_id = $2 AND active = $3 AND token_expires_at >= $4 AND token_expires_at < $5
             """,
            expires, attestation.AgentId, true, now, halfway);

    /// <summary>The retention DELETE of <see cref="AttestationRetention"/> (the evidence is in the row).</summary>
    public static SqlStatement DeletePreviousIfRedundant(Attestation latest, int previous) =>
        new("""
             DELETE FROM attestations
             WHERE agent_id = $1 AND "index" = $2 AND stage = $3 AND evaluation = $4
               AND boot_time = (SELECT p.boot_time FROM attestations p
                                WHERE p.agent_id = $1 AND p."index" < $2 AND p.stage = $3
                                  AND (p.failure_reason IS NULL OR p.failure_reason <> $5)
                                ORDER BY p."index" DESC LIMIT 1)
             """,
            latest.AgentId, previous, AttestationStates.VerificationComplete, AttestationStates.Pass, AttestationStates.BrokenEvidenceChain);

    /// <summary>
    /// PostgreSQL: a verdict as <b>one</b> statement. The completion runs as a data-modifying CTE, and the
    /// other steps (each an UPDATE or DELETE ending in its WHERE clause) apply only if that completion took
    /// effect, so a verdict another worker or instance recorded first changes nothing — also when several
    /// verdicts share a transaction. The agent's UPDATE is the main statement: its rows affected (1 or 0) say
    /// whether the completion took effect (the agent row exists while its attestation does), and the statement
    /// returns no rows, which would otherwise mix with the result sets of a grouped batch — unless
    /// <paramref name="returning"/> asks for the agent row as it left it (sent as a query of its own). One statement
    /// instead of one per step: each costs the server its own executor start, and each follow-up a look-up
    /// of the completed row. No two steps may change the same row (PostgreSQL would apply only one of them);
    /// they do not: the completion changes attestation N, retention N−1, the others the agent and its sessions.
    /// </summary>
    public static SqlStatement AsOne(SqlStatement completion, SqlStatement agent, IReadOnlyList<SqlStatement> others, string returning = "")
    {
        var args = new object?[completion.Args.Length + agent.Args.Length + others.Sum(o => o.Args.Length)];
        completion.Args.CopyTo(args, 0);
        var at = completion.Args.Length;
        foreach (var other in others)
        {
            other.Args.CopyTo(args, at);
            at += other.Args.Length;
        }

        agent.Args.CopyTo(args, at);
        var key = new Shape(completion.Sql, agent.Sql, others.Count > 0 ? others[0].Sql : null, others.Count > 1 ? others[1].Sql : null, returning);
        if (others.Count > 2 || !Combined.TryGetValue(key, out var sql))
        {
            sql = Combine(completion, agent, others, returning);
            if (others.Count <= 2 && Combined.Count < MaxCombined)
            {
                Combined.TryAdd(key, sql);
            }
        }

        return new SqlStatement(sql, args);
    }

    private static string Combine(SqlStatement completion, SqlStatement agent, IReadOnlyList<SqlStatement> others, string returning)
    {
        var sql = new StringBuilder("WITH done AS (").Append(completion.Sql).Append(" RETURNING 1)");
        var offset = completion.Args.Length;
        for (var step = 0; step < others.Count; step++)
        {
            sql.Append(", step").Append(step).Append(" AS (").Append(Renumbered(others[step].Sql, offset)).Append(IfDone).Append(')');
            offset += others[step].Args.Length;
        }

        return sql.Append(' ').Append(Renumbered(agent.Sql, offset)).Append(IfDone).Append(returning).ToString();
    }

    private const string IfDone = " AND EXISTS (SELECT 1 FROM done)";

    /// <summary><paramref name="sql"/> with each placeholder <c>$n</c> moved to <c>$(n + offset)</c>.</summary>
    private static string Renumbered(string sql, int offset) =>
        offset == 0
            ? sql
            : Placeholder().Replace(sql, m =>
                "$" + (int.Parse(m.ValueSpan[1..], CultureInfo.InvariantCulture) + offset).ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// The texts a combined verdict is made of. They are compared by reference: every step's text is a constant or,
    /// for the agent's UPDATE, built once per shape, so a verdict finds its combined text without hashing or
    /// comparing kilobytes of SQL. A text built per call (a caller's own statement) only misses and is combined again;
    /// a placeholder's number can change only with the text, so the key cannot pair a text with the wrong numbering.
    /// </summary>
    private readonly record struct Shape(string Completion, string Agent, string? First, string? Second, string Returning)
    {
        public bool Equals(Shape other) =>
            ReferenceEquals(Completion, other.Completion) && ReferenceEquals(Agent, other.Agent) && ReferenceEquals(First, other.First)
            && ReferenceEquals(Second, other.Second) && ReferenceEquals(Returning, other.Returning);

        public override int GetHashCode() =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(Completion), RuntimeHelpers.GetHashCode(Agent), RuntimeHelpers.GetHashCode(First),
                RuntimeHelpers.GetHashCode(Second), RuntimeHelpers.GetHashCode(Returning));
    }

    /// <summary>The verdict shapes (pass or fail, clock, algorithms, IMA, token extension, retention) make a few dozen texts.</summary>
    private const int MaxCombined = 1024;

    private static readonly ConcurrentDictionary<Shape, string> Combined = new();

    [GeneratedRegex(@"\$[0-9]+")]
    private static partial Regex Placeholder();

    /// <summary>Adds the value; with <paramref name="sql"/> (the text is being put together) also its column and placeholder.</summary>
    private static void Set(StringBuilder? sql, List<object?> values, string column, object? value)
    {
        values.Add(value);
        sql?.Append(", ").Append(column).Append(" = $").Append(values.Count);
    }
}
