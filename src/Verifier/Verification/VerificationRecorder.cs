using Keylime.Shared.Configuration;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Commits verdicts (spec/verifier.md §7.6 steps 5–9), several in one transaction when the workers
/// have several ready (group commit), each with single-statement updates (<see cref="VerdictStatements"/>): the attestation (only if it is
/// still <c>evaluating_evidence</c>, so a verdict is recorded exactly once even when two instances
/// re-queued the same attestation), its IMA results, the agent's counters and state (computed in SQL, so
/// nothing is read first), on a pass the token extension when it is due, then retention (§7.7).
/// </summary>
public sealed class VerificationRecorder(VerifierOptions options)
{
    /// <summary>Records the verdicts in one transaction; element i is false when verdict i was already recorded elsewhere.</summary>
    public async Task<bool[]> RecordAsync(VerifierDbContext db, IReadOnlyList<VerificationVerdict> verdicts, DateTime now,
        CancellationToken cancellationToken)
    {
        var recorded = new bool[verdicts.Count];
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        for (var i = 0; i < verdicts.Count; i++)
        {
            recorded[i] = await RecordOneAsync(db, verdicts[i].Input, verdicts[i].Outcome, now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return recorded;
    }

    public async Task<bool> RecordAsync(VerifierDbContext db, VerificationInput input, VerificationOutcome outcome, DateTime now,
        CancellationToken cancellationToken) =>
        (await RecordAsync(db, [new VerificationVerdict(input, outcome)], now, cancellationToken))[0];

    private async Task<bool> RecordOneAsync(VerifierDbContext db, VerificationInput input, VerificationOutcome outcome, DateTime now,
        CancellationToken cancellationToken)
    {
        var attestation = input.Attestation;
        if (await VerdictStatements.CompleteAsync(db, attestation, outcome, now, cancellationToken) != 1)
        {
            return false;
        }

        if (outcome.Ima is { } ima && input.Items.FirstOrDefault(i => i.EvidenceType == EvidenceKinds.ImaLog) is { } imaItem)
        {
            var results = AttestationResources.Write(new EvidenceResults(ima.CertifiedEntryCount), ProtocolJson.Default.EvidenceResults);
            await VerdictStatements.EvidenceResultsAsync(db, imaItem, results, cancellationToken);
        }

        await VerdictStatements.AgentAsync(db, attestation.AgentId, outcome, new DateTimeOffset(now).ToUnixTimeSeconds(),
            options.AutoRecoverAttestationFailures, new DateTimeOffset(attestation.BootTime).ToUnixTimeSeconds(), cancellationToken);
        if (outcome.Passed)
        {
            await ExtendTokensAsync(db, input, now, cancellationToken);
            await AttestationRetention.ApplyAsync(db, attestation, cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Extends the agent's live tokens on a pass (§6.6), but only once less than half of
    /// <c>session_lifetime</c> is left: an UPDATE of <c>sessions</c> on every attestation buys nothing.
    /// </summary>
    private async Task ExtendTokensAsync(VerifierDbContext db, VerificationInput input, DateTime now, CancellationToken cancellationToken)
    {
        var halfway = now.AddSeconds(options.SessionLifetime / 2.0);
        if (!options.ExtendTokenOnAttestation || input.EarliestTokenExpiry is not { } earliest || earliest >= halfway)
        {
            return;
        }

        await VerdictStatements.ExtendTokensAsync(db, input.Attestation.AgentId, now, halfway, now.AddSeconds(options.SessionLifetime), cancellationToken);
    }
}
