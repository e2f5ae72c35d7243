using Keylime.Shared.Configuration;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Commits verdicts (spec/verifier.md §7.6 steps 5–9), several in one batch when the workers have several
/// ready (group commit: one round trip on PostgreSQL, one transaction on SQLite), each as single-statement
/// updates (<see cref="VerdictStatements"/>): the attestation (only if it is still <c>evaluating_evidence</c>,
/// so a verdict is recorded exactly once even when two instances re-queued the same attestation), its IMA
/// results, the agent's counters and state (computed in SQL, so nothing is read first), on a pass the
/// token extension when it is due, then retention (§7.7).
/// </summary>
public sealed class VerificationRecorder(VerifierOptions options)
{
    /// <summary>Records the verdicts atomically; element i is false when verdict i was already recorded elsewhere.</summary>
    public async Task<bool[]> RecordAsync(VerifierDbContext db, IReadOnlyList<VerificationVerdict> verdicts, DateTime now,
        CancellationToken cancellationToken)
    {
        var statements = new List<SqlStatement>();
        var firsts = new int[verdicts.Count];
        var seen = new HashSet<(string, int)>();
        for (var i = 0; i < verdicts.Count; i++)
        {
            var attestation = verdicts[i].Input.Attestation;
            firsts[i] = seen.Add((attestation.AgentId, attestation.Index)) ? statements.Count : -1;
            if (firsts[i] >= 0)
            {
                statements.AddRange(Statements(verdicts[i].Input, verdicts[i].Outcome, now));
            }
        }

        var affected = await SqlBatch.ExecuteAsync(db, statements, cancellationToken);
        return [.. firsts.Select(first => first >= 0 && affected[first] == 1)];
    }

    public async Task<bool> RecordAsync(VerifierDbContext db, VerificationInput input, VerificationOutcome outcome, DateTime now,
        CancellationToken cancellationToken) =>
        (await RecordAsync(db, [new VerificationVerdict(input, outcome)], now, cancellationToken))[0];

    private IEnumerable<SqlStatement> Statements(VerificationInput input, VerificationOutcome outcome, DateTime now)
    {
        var attestation = input.Attestation;
        yield return VerdictStatements.Complete(attestation, outcome, now);
        if (outcome.Ima is { } ima && input.Items.FirstOrDefault(i => i.EvidenceType == EvidenceKinds.ImaLog) is { } imaItem)
        {
            var results = AttestationResources.Write(new EvidenceResults(ima.CertifiedEntryCount), ProtocolJson.Default.EvidenceResults);
            yield return VerdictStatements.EvidenceResults(attestation, imaItem, results, now);
        }

        yield return VerdictStatements.Agent(attestation, outcome, now, options.AutoRecoverAttestationFailures);
        if (outcome.Passed)
        {
            if (TokenExtension(input, now) is { } extension)
            {
                yield return extension;
            }

            if (AttestationRetention.Statement(attestation, now) is { } retention)
            {
                yield return retention;
            }
        }
    }

    /// <summary>
    /// Extends the agent's live tokens on a pass (§6.6), but only once less than half of
    /// <c>session_lifetime</c> is left: an UPDATE of <c>sessions</c> on every attestation buys nothing.
    /// </summary>
    private SqlStatement? TokenExtension(VerificationInput input, DateTime now)
    {
        var halfway = now.AddSeconds(options.SessionLifetime / 2.0);
        return !options.ExtendTokenOnAttestation || input.EarliestTokenExpiry is not { } earliest || earliest >= halfway
            ? null
            : VerdictStatements.ExtendTokens(input.Attestation, now, halfway, now.AddSeconds(options.SessionLifetime));
    }
}
