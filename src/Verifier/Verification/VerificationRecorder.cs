using Keylime.Shared.Configuration;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Commits a verdict (spec/verifier.md §7.6 steps 5–9) in one transaction: the attestation (only if it
/// is still <c>evaluating_evidence</c>, so a verdict is recorded exactly once even when two instances
/// re-queued the same attestation), its IMA results, the agent's counters and state, and — on a pass —
/// the extension of the agent's token.
/// </summary>
public sealed class VerificationRecorder(VerifierOptions options)
{
    public async Task<bool> RecordAsync(VerifierDbContext db, VerificationInput input, VerificationOutcome outcome, DateTime now,
        CancellationToken cancellationToken)
    {
        var attestation = input.Attestation;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
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

        var agent = await db.Agents.FirstOrDefaultAsync(a => a.AgentId == attestation.AgentId, cancellationToken);
        if (agent is not null)
        {
            Apply(agent, attestation, outcome, now);
            await db.SaveChangesAsync(cancellationToken);
            if (outcome.Passed && options.ExtendTokenOnAttestation)
            {
                var expires = now.AddSeconds(options.SessionLifetime);
                await db.Sessions.Where(s => s.AgentId == agent.AgentId && s.Active && s.TokenExpiresAt >= now)
                    .ExecuteUpdateAsync(set => set.SetProperty(s => s.TokenExpiresAt, expires), cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private void Apply(Agent agent, Attestation attestation, VerificationOutcome outcome, DateTime now)
    {
        var seconds = new DateTimeOffset(now).ToUnixTimeSeconds();
        agent.AcceptAttestations = true;
        agent.LastReceivedQuote = seconds;
        if (outcome.Passed)
        {
            agent.AttestationCount++;
            agent.LastSuccessfulAttestation = seconds;
            agent.ConsecutiveAttestationFailures = (agent.ConsecutiveAttestationFailures ?? 0) == 0 || options.AutoRecoverAttestationFailures
                ? 0
                : agent.ConsecutiveAttestationFailures;
            if (agent.OperationalState is null or OperationalStates.Start)
            {
                agent.OperationalState = OperationalStates.GetQuote;
            }
        }
        else
        {
            agent.ConsecutiveAttestationFailures = (agent.ConsecutiveAttestationFailures ?? 0) + 1;
            agent.LastEventId = outcome.EventId;
        }

        if (outcome.Clock is { } clock)
        {
            agent.TpmClockInfo = ClockJson.Write(clock); // only authenticated quotes become the clock reference
        }

        if (outcome.HashAlg.Length > 0)
        {
            agent.HashAlg = outcome.HashAlg;
            agent.SignAlg = outcome.SignAlg;
        }

        if (outcome.Ima is { } ima)
        {
            agent.NextImaMlEntry = ima.NextEntry;
            agent.Pcr10 = ima.Pcr10;
            agent.ImaQuoteProgress = ProgressJson.Write(ima.Progress);
            agent.LearnedImaKeyrings = ima.LearnedKeyrings;
            agent.BootTime = ima.Pcr10 is null ? 0 : new DateTimeOffset(attestation.BootTime).ToUnixTimeSeconds();
        }
    }
}
