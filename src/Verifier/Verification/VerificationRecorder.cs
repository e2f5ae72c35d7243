using Keylime.Shared.Configuration;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Commits verdicts (spec/verifier.md §7.6 steps 5–9), several at a time when the workers have several
/// ready (group commit): each attestation's completion (only if it is still <c>evaluating_evidence</c>,
/// so a verdict is recorded exactly once even when two instances re-queued the same attestation), then,
/// for the completions that took effect, the IMA results, the agent's counters and state (computed in SQL,
/// so nothing is read first), on a pass the token extension when it is due, and retention (§7.7).
/// On PostgreSQL each verdict is one statement whose follow-ups apply only if its completion took effect
/// (<see cref="VerdictStatements.AsOne"/>); it returns the agent row as it left it, which is carried to the
/// agent's next phase 1 (<see cref="CarriedSnapshots"/>); the group goes as one query, one round trip.
/// On SQLite (in process) the completions run first, in one transaction, and only the winners' follow-ups after them.
/// </summary>
public sealed class VerificationRecorder(VerifierOptions options, CarriedSnapshots carried)
{
    /// <summary>Records the verdicts; element i is false when verdict i was already recorded elsewhere.</summary>
    public async Task<bool[]> RecordAsync(VerifierDbContext db, IReadOnlyList<VerificationVerdict> verdicts, DateTime now,
        CancellationToken cancellationToken) =>
        [.. (await RecordStoredAsync(db, verdicts, now, cancellationToken)).Select(stored => stored is not null)];

    public async Task<bool> RecordAsync(VerifierDbContext db, VerificationInput input, VerificationOutcome outcome, DateTime now,
        CancellationToken cancellationToken) =>
        (await RecordAsync(db, [new VerificationVerdict(input, outcome)], now, cancellationToken))[0];

    /// <summary>
    /// Records the verdicts, each atomically; element i is attestation i as it was stored
    /// (a new object: the verdict's input is not changed), or null when verdict i was already recorded elsewhere.
    /// </summary>
    public async Task<Attestation?[]> RecordStoredAsync(VerifierDbContext db, IReadOnlyList<VerificationVerdict> verdicts, DateTime now,
        CancellationToken cancellationToken)
    {
        var completions = verdicts.Select(v => Complete(v.Input, v.Outcome, now)).ToArray();
        if (!SqlBatch.SendsBatches(db))
        {
            return await SqlBatch.InTransactionAsync(db, async send =>
            {
                var completed = await send([.. completions.Select(c => c.Statement)]);
                var recorded = completed.Select(rows => rows == 1).ToArray();
                await send([.. verdicts.Where((_, i) => recorded[i]).SelectMany(v => FollowUps(v.Input, v.Outcome, now))]);
                return completions.Select((c, i) => recorded[i] ? c.Stored : null).ToArray();
            }, cancellationToken);
        }

        // Two verdicts of one attestation in one group: only the first is sent (the other finds it recorded anyway).
        var seen = new HashSet<(string, int)>();
        var sent = Enumerable.Range(0, verdicts.Count)
            .Where(i => seen.Add((verdicts[i].Input.Attestation.AgentId, verdicts[i].Input.Attestation.Index))).ToList();
        var statements = sent.Select(i => (SqlStatement)VerdictStatements.AsOne(completions[i].Statement,
            AgentStatement(verdicts[i].Input, verdicts[i].Outcome, now), [.. Others(verdicts[i].Input, verdicts[i].Outcome, now)],
            VerificationSnapshots.AgentReturning)).ToList();
        var afters = await SqlBatch.QueryEachAsync(db, statements, (reader, ct) => VerificationSnapshots.ReturnedAsync(reader, statements.Count, ct),
            cancellationToken);
        var returned = new AgentAfterVerdict?[verdicts.Count];
        for (var k = 0; k < sent.Count; k++)
        {
            returned[sent[k]] = afters[k];
        }

        var stored = new Attestation?[verdicts.Count];
        for (var i = 0; i < verdicts.Count; i++)
        {
            var input = verdicts[i].Input;
            if (returned[i] is not { } after)
            {
                continue; // recorded elsewhere, or a repeat within this group
            }

            stored[i] = completions[i].Stored;
            if (verdicts[i].Outcome.Passed && TokenExtension(input, now) is not null)
            {
                carried.Forget(input.Attestation.AgentId);
            }
            else
            {
                carried.Carry(input, completions[i].Stored, after);
            }
        }

        return stored;
    }

    /// <summary>
    /// The completion, with the IMA item's results (its certified entry count) written into the evidence when
    /// IMA was checked; and the attestation as the statement stores it.
    /// </summary>
    private static (SqlStatement Statement, Attestation Stored) Complete(VerificationInput input, VerificationOutcome outcome, DateTime now)
    {
        var attestation = input.Attestation;
        string? evidence = null;
        if (outcome.Ima is { } ima && input.Items.Any(i => i.EvidenceType == EvidenceKinds.ImaLog))
        {
            var results = AttestationResources.Write(new EvidenceResults(ima.CertifiedEntryCount), ProtocolJson.Default.EvidenceResults);
            evidence = EvidenceColumn.Write([.. input.Items.Select(i => i.EvidenceType == EvidenceKinds.ImaLog ? i with { Results = results } : i)]);
        }

        var stored = attestation.Copy();
        stored.Stage = AttestationStates.VerificationComplete;
        stored.Evaluation = outcome.Evaluation;
        stored.FailureReason = outcome.FailureReason;
        stored.FailureDetail = outcome.Detail;
        stored.VerificationCompletedAt = now;
        stored.EvidenceJson = evidence ?? attestation.EvidenceJson;
        return (VerdictStatements.Complete(attestation, outcome, now, evidence), stored);
    }

    /// <summary>A completed verdict's follow-ups: the agent's counters and state, then <see cref="Others"/>.</summary>
    private IEnumerable<SqlStatement> FollowUps(VerificationInput input, VerificationOutcome outcome, DateTime now) =>
        [AgentStatement(input, outcome, now), .. Others(input, outcome, now)];

    private SqlStatement AgentStatement(VerificationInput input, VerificationOutcome outcome, DateTime now) =>
        VerdictStatements.Agent(input.Attestation, outcome, now, options.AutoRecoverAttestationFailures);

    /// <summary>On a pass: the token extension when it is due, and retention.</summary>
    private IEnumerable<SqlStatement> Others(VerificationInput input, VerificationOutcome outcome, DateTime now)
    {
        if (outcome.Passed)
        {
            if (TokenExtension(input, now) is { } extension)
            {
                yield return extension;
            }

            if (AttestationRetention.Statement(input.Attestation) is { } retention)
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
