using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Verification off the request path (spec/verifier.md §7.6): <see cref="VerificationQueue.Workers"/>
/// workers drain the queue; each verification gets <c>verification_timeout</c> (0 = 3 × quote_interval)
/// and is recorded as a failure "verification timed out" past it. At start-up every attestation still
/// <c>evaluating_evidence</c> is re-queued, so evidence accepted before a crash still gets its verdict.
/// </summary>
public sealed class VerificationWorkers(
    VerificationQueue queue, IServiceScopeFactory scopes, EvidenceVerifier verifier, VerificationRecorder recorder,
    AttestationTiming timing, TimeProvider time, ILogger<VerificationWorkers> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RequeueUnfinishedAsync(stoppingToken);
        var workers = Enumerable.Range(0, queue.Workers).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken));
        await Task.WhenAll(workers);
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
                try
                {
                    await VerifyAsync(job, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The attestation stays evaluating_evidence and is retried at the next start-up.
                    logger.LogError(e, "Verification of agent {AgentId} attestation {Index} crashed", job.AgentId, job.Index);
                }
                finally
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

    /// <summary>Verifies one attestation and records the verdict; public for tests that drive it directly.</summary>
    public async Task VerifyAsync(VerificationJob job, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
        var attestation = await db.Attestations.AsNoTracking()
            .FirstOrDefaultAsync(a => a.AgentId == job.AgentId && a.Index == job.Index && a.Stage == AttestationStates.EvaluatingEvidence, cancellationToken);
        var agent = attestation is null ? null
            : await db.Agents.AsNoTracking().Include(a => a.RuntimePolicy).Include(a => a.MbPolicy).FirstOrDefaultAsync(a => a.AgentId == job.AgentId, cancellationToken);
        if (attestation is null || agent is null)
        {
            return;
        }

        var items = await db.EvidenceItems.AsNoTracking().Where(e => e.AgentId == job.AgentId && e.AttestationIndex == job.Index)
            .OrderBy(e => e.Position).ToListAsync(cancellationToken);
        var input = new VerificationInput(agent, attestation, items);
        VerificationOutcome outcome;
        try
        {
            outcome = await Task.Run(() => verifier.Verify(input), cancellationToken).WaitAsync(timing.VerificationTimeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            outcome = VerificationOutcome.TimedOut();
        }

        if (await recorder.RecordAsync(db, input, outcome, time.GetUtcNow().UtcDateTime, cancellationToken))
        {
            logger.LogInformation("Verification of agent {AgentId} attestation {Index} complete: {Evaluation}{Reason}{Detail}",
                job.AgentId, job.Index, outcome.Evaluation,
                outcome.FailureReason is null ? "" : $" ({outcome.FailureReason})", outcome.Detail is null ? "" : $": {outcome.Detail}");
        }
    }
}
