using System.Threading.Channels;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Verification off the request path (spec/verifier.md §7.6): <see cref="VerificationQueue.Workers"/>
/// workers drain the queue and verify the snapshot PATCH handed over in memory (no database reads); each
/// verification gets <c>verification_timeout</c> (0 = 3 × quote_interval) and is recorded as a failure
/// "verification timed out" past it. One committer records the verdicts, all that are ready in one
/// transaction (group commit). At start-up every attestation still <c>evaluating_evidence</c> is
/// re-queued and read back from the database, so evidence accepted before a crash still gets its verdict.
/// </summary>
public sealed partial class VerificationWorkers(
    VerificationQueue queue, IServiceScopeFactory scopes, EvidenceVerifier verifier, VerificationRecorder recorder,
    RecentVerdicts recentVerdicts, AttestationTiming timing, TimeProvider time, ILogger<VerificationWorkers> logger) : BackgroundService
{
    /// <summary>Verdicts committed in one transaction at most.</summary>
    private const int MaxGroup = 64;

    private readonly Channel<VerificationVerdict> _verdicts = Channel.CreateUnbounded<VerificationVerdict>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RequeueUnfinishedAsync(stoppingToken);
        var committer = Task.Run(() => CommitAsync(stoppingToken), stoppingToken);
        var workers = Enumerable.Range(0, queue.Workers).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken));
        await Task.WhenAll(workers);
        _verdicts.Writer.TryComplete();
        await committer;
    }

    private async Task RequeueUnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
        var unfinished = await db.Attestations.AsNoTracking().Where(a => a.Stage == AttestationStates.EvaluatingEvidence)
            .Select(a => new { a.AgentId, a.Index }).ToListAsync(cancellationToken);
        foreach (var job in unfinished)
        {
            queue.Enqueue(new VerificationJob(job.AgentId, job.Index), reserved: false);
        }

        if (unfinished.Count > 0)
        {
            logger.LogInformation("Re-queued {Count} attestations still awaiting verification", unfinished.Count);
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in queue.Reader.ReadAllAsync(stoppingToken))
            {
                VerificationVerdict? verdict = null;
                try
                {
                    verdict = await VerifyOnlyAsync(job, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The attestation stays evaluating_evidence and is retried at the next start-up.
                    logger.LogError(e, "Verification of agent {AgentId} attestation {Index} crashed", job.AgentId, job.Index);
                }

                if (verdict is null || !_verdicts.Writer.TryWrite(verdict))
                {
                    queue.Completed();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>Records the verdicts that are ready, up to <see cref="MaxGroup"/> per transaction.</summary>
    private async Task CommitAsync(CancellationToken stoppingToken)
    {
        var group = new List<VerificationVerdict>(MaxGroup);
        try
        {
            while (await _verdicts.Reader.WaitToReadAsync(stoppingToken))
            {
                group.Clear();
                while (group.Count < MaxGroup && _verdicts.Reader.TryRead(out var verdict))
                {
                    group.Add(verdict);
                }

                // Several agents' rows are locked in one transaction: take them in one order on every instance.
                group.Sort((x, y) => string.CompareOrdinal(x.Input.Attestation.AgentId, y.Input.Attestation.AgentId));
                await RecordGroupAsync(group, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down: unrecorded attestations stay evaluating_evidence and are re-queued at the next start
        }
    }

    private async Task RecordGroupAsync(List<VerificationVerdict> group, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
            var recorded = await recorder.RecordStoredAsync(db, group, time.GetUtcNow().UtcDateTime, stoppingToken);
            for (var i = 0; i < group.Count; i++)
            {
                Completed(group[i], recorded[i]);
            }
        }
        catch (Exception e) when (group.Count > 1 && (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested))
        {
            // One bad verdict (or a deadlock with another instance) must not cost the others theirs: one by one.
            logger.LogWarning(e, "Recording {Count} verdicts together failed; recording them one by one", group.Count);
            foreach (var verdict in group)
            {
                await RecordAloneAsync(verdict, stoppingToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogCrash(e, group[0]);
            queue.Completed();
        }
    }

    private async Task RecordAloneAsync(VerificationVerdict verdict, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
            Completed(verdict, (await recorder.RecordStoredAsync(db, [verdict], time.GetUtcNow().UtcDateTime, stoppingToken))[0]);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogCrash(e, verdict);
            queue.Completed();
        }
    }

    private void LogCrash(Exception e, VerificationVerdict verdict) =>
        // The attestation stays evaluating_evidence and is retried at the next start-up.
        logger.LogError(e, "Recording the verdict of agent {AgentId} attestation {Index} crashed",
            verdict.Input.Attestation.AgentId, verdict.Input.Attestation.Index);

    /// <summary>A verdict is done with; <paramref name="stored"/> is the attestation as recorded, null when recorded elsewhere.</summary>
    private void Completed(VerificationVerdict verdict, Attestation? stored)
    {
        queue.Completed();
        if (stored is not null)
        {
            recentVerdicts.Remember(stored);
            LogVerdict(verdict);
        }
    }

    private void LogVerdict(VerificationVerdict verdict)
    {
        var (input, outcome) = (verdict.Input, verdict.Outcome);
        LogVerificationComplete(logger, input.Attestation.AgentId, input.Attestation.Index, outcome.Evaluation,
            outcome.FailureReason is null ? "" : $" ({outcome.FailureReason})", outcome.Detail is null ? "" : $": {outcome.Detail}");
    }

    /// <summary>The line an operator greps for when a verdict is recorded (one per cycle: generated, so nothing is boxed or looked up).</summary>
    [LoggerMessage(Level = LogLevel.Information, Message = "Verification of agent {AgentId} attestation {Index} complete: {Evaluation}{Reason}{Detail}")]
    private static partial void LogVerificationComplete(ILogger logger, string agentId, int index, string evaluation, string reason, string detail);

    /// <summary>The verdict of one job, or null when the attestation is no longer awaiting one.</summary>
    private async Task<VerificationVerdict?> VerifyOnlyAsync(VerificationJob job, CancellationToken cancellationToken)
    {
        var input = job.Input;
        if (input is null || NeedsPolicyText(input))
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
            input ??= await VerificationSnapshots.InputAsync(db, job, time.GetUtcNow().UtcDateTime, cancellationToken);
            if (input is null)
            {
                return null;
            }

            if (NeedsPolicyText(input))
            {
                await verifier.Policies.EnsureAsync(db, input.Agent.RuntimePolicy!, cancellationToken);
            }
        }

        VerificationOutcome outcome;
        try
        {
            outcome = await Task.Run(() => verifier.Verify(input), cancellationToken).WaitAsync(timing.VerificationTimeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            outcome = VerificationOutcome.TimedOut();
        }

        return new VerificationVerdict(input, outcome);
    }

    /// <summary>Only an IMA verification reads the runtime policy; its text is loaded when this version is not compiled yet.</summary>
    private bool NeedsPolicyText(VerificationInput input) =>
        input.Agent.RuntimePolicy is { } policy && !verifier.Policies.IsCompiled(policy)
        && input.Items.Any(i => i.EvidenceType == EvidenceKinds.ImaLog);
}
