using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Monitoring;

/// <summary>
/// The push timeout (spec/verifier.md §9): an agent with no completed verification for
/// <c>quote_interval × 5</c> gets <c>accept_attestations = false</c> (status TIMEOUT) and further
/// attestations are refused until an admin reactivates it. Instead of Keylime's per-process timers this
/// is a periodic, idempotent database sweep on <c>last_received_quote</c>: it survives restarts, needs
/// no re-arming, and with several verifier instances on one database each agent is flagged by exactly
/// one of them (the conditional UPDATE succeeds once).
/// <para>
/// Grace after a start: an instance flags nothing until it has itself been running for the threshold.
/// Agents cannot attest while no verifier is up, so silence that began during a down time is not
/// theirs; once the instance has been up for quote_interval × 5 every agent has had a full window to
/// reach it, and the same database rule applies again.
/// </para>
/// </summary>
public sealed class TimeoutMonitor(IServiceScopeFactory scopes, AttestationTiming timing, TimeProvider time, ILogger<TimeoutMonitor> logger)
    : BackgroundService
{
    // A singleton created when the host starts its hosted services: this instance's start.
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    /// <summary>How often the sweep runs: a fifth of the threshold, between 1 s and 30 s.</summary>
    public TimeSpan Period => TimeSpan.FromSeconds(Math.Clamp(timing.TimeoutThreshold.TotalSeconds / 5, 1, 30));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Timeout sweep failed; retrying at the next period");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Flags every silent agent (none during the start-up grace); returns the ids this call flagged.</summary>
    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (timing.TimeoutThreshold <= TimeSpan.Zero || now - _startedAt < timing.TimeoutThreshold)
        {
            return [];
        }

        var threshold = (long)Math.Ceiling(timing.TimeoutThreshold.TotalSeconds);
        var cutoff = now.ToUnixTimeSeconds() - threshold;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
        var candidates = await db.Agents.AsNoTracking()
            .Where(a => a.AcceptAttestations && a.LastReceivedQuote > 0 && a.LastReceivedQuote < cutoff)
            .Select(a => a.AgentId).ToListAsync(cancellationToken);
        var flagged = new List<string>();
        foreach (var agentId in candidates)
        {
            // Re-checked in the UPDATE itself: an agent that attested meanwhile, or that another
            // instance flagged first, is left alone.
            var changed = await db.Agents
                .Where(a => a.AgentId == agentId && a.AcceptAttestations && a.LastReceivedQuote > 0 && a.LastReceivedQuote < cutoff)
                .ExecuteUpdateAsync(set => set.SetProperty(a => a.AcceptAttestations, false), cancellationToken);
            if (changed == 1)
            {
                flagged.Add(agentId);
                logger.LogWarning("Agent {AgentId} timed out: no verified evidence for more than {Threshold} s (quote_interval × 5); attestations refused until reactivated",
                    agentId, timing.TimeoutThreshold.TotalSeconds);
            }
        }

        return flagged;
    }
}
