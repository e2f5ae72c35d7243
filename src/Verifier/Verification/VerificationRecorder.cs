using Keylime.Shared.Configuration;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Commits verdicts (spec/verifier.md §7.6 steps 5–9), several in one transaction when the workers
/// have several ready (group commit), each with single-statement updates: the attestation (only if it is
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
        var completed = await db.Attestations
            .Where(a => a.AgentId == attestation.AgentId && a.Index == attestation.Index && a.Stage == AttestationStates.EvaluatingEvidence)
            .ExecuteUpdateAsync(set => set
                .SetProperty(a => a.Stage, AttestationStates.VerificationComplete)
                .SetProperty(a => a.Evaluation, outcome.Evaluation)
                .SetProperty(a => a.FailureReason, outcome.FailureReason)
                .SetProperty(a => a.FailureDetail, outcome.Detail)
                .SetProperty(a => a.VerificationCompletedAt, now), cancellationToken);
        if (completed != 1)
        {
            return false;
        }

        if (outcome.Ima is { } ima && input.Items.FirstOrDefault(i => i.EvidenceType == EvidenceKinds.ImaLog) is { } imaItem)
        {
            var results = AttestationResources.Write(new EvidenceResults(ima.CertifiedEntryCount), ProtocolJson.Default.EvidenceResults);
            await db.EvidenceItems.Where(e => e.Id == imaItem.Id).ExecuteUpdateAsync(set => set.SetProperty(e => e.Results, results), cancellationToken);
        }

        await UpdateAgentAsync(db, input, outcome, now, cancellationToken);
        if (outcome.Passed)
        {
            await ExtendTokensAsync(db, input, now, cancellationToken);
            await AttestationRetention.ApplyAsync(db, attestation, cancellationToken);
        }

        return true;
    }

    /// <summary>The agent's side of the verdict as one UPDATE; counters and state transitions are SQL expressions.</summary>
    private Task<int> UpdateAgentAsync(VerifierDbContext db, VerificationInput input, VerificationOutcome outcome, DateTime now,
        CancellationToken cancellationToken)
    {
        var seconds = new DateTimeOffset(now).ToUnixTimeSeconds();
        var autoRecover = options.AutoRecoverAttestationFailures;
        var bootTime = new DateTimeOffset(input.Attestation.BootTime).ToUnixTimeSeconds();
        return db.Agents.Where(a => a.AgentId == input.Attestation.AgentId).ExecuteUpdateAsync(set =>
        {
            set.SetProperty(a => a.AcceptAttestations, true).SetProperty(a => a.LastReceivedQuote, seconds);
            if (outcome.Passed)
            {
                set.SetProperty(a => a.AttestationCount, a => a.AttestationCount + 1)
                    .SetProperty(a => a.LastSuccessfulAttestation, seconds)
                    // Failures are forgiven only with auto_recover_attestation_failures (status stays FAIL otherwise).
                    .SetProperty(a => a.ConsecutiveAttestationFailures, a => autoRecover ? 0 : (int?)(a.ConsecutiveAttestationFailures ?? 0))
                    .SetProperty(a => a.OperationalState,
                        a => a.OperationalState == null || a.OperationalState == OperationalStates.Start ? OperationalStates.GetQuote : a.OperationalState);
            }
            else
            {
                set.SetProperty(a => a.ConsecutiveAttestationFailures, a => (int?)((a.ConsecutiveAttestationFailures ?? 0) + 1))
                    .SetProperty(a => a.LastEventId, outcome.EventId);
            }

            if (outcome.Clock is { } clock)
            {
                set.SetProperty(a => a.TpmClockInfo, ClockJson.Write(clock)); // only authenticated quotes become the clock reference
            }

            if (outcome.HashAlg.Length > 0)
            {
                set.SetProperty(a => a.HashAlg, outcome.HashAlg).SetProperty(a => a.SignAlg, outcome.SignAlg);
            }

            if (outcome.Ima is { } ima)
            {
                set.SetProperty(a => a.NextImaMlEntry, ima.NextEntry)
                    .SetProperty(a => a.Pcr10, ima.Pcr10)
                    .SetProperty(a => a.ImaQuoteProgress, ProgressJson.Write(ima.Progress))
                    .SetProperty(a => a.LearnedImaKeyrings, ima.LearnedKeyrings)
                    .SetProperty(a => a.BootTime, ima.Pcr10 is null ? 0 : bootTime);
            }
        }, cancellationToken);
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

        var expires = now.AddSeconds(options.SessionLifetime);
        await db.Sessions.Where(s => s.AgentId == input.Attestation.AgentId && s.Active && s.TokenExpiresAt >= now && s.TokenExpiresAt < halfway)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.TokenExpiresAt, expires), cancellationToken);
    }
}
