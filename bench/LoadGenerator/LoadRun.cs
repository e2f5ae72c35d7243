using System.Diagnostics;

namespace Keylime.LoadGenerator;

/// <summary>
/// A load run: create the agents (software TPMs), enroll them through the admin API, authenticate
/// each once, run cycles back to back for a warm-up (not measured) and then for the measured
/// period, sampling the verifier's CPU time and the load average at the measurement's edges.
/// </summary>
public sealed class LoadRun(LoadOptions options, TextWriter log)
{
    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("keylime-loadgen-");
        using var endpoints = new VerifierEndpoints(options);
        var agents = new SimulatedAgent[options.Agents];
        try
        {
            var setup = Stopwatch.StartNew();
            byte[] ek;
            using (var ekKey = System.Security.Cryptography.RSA.Create(2048))
            {
                ek = ekKey.ExportPkcs8PrivateKey();
            }

            await Parallel.ForAsync(0, options.Agents, cancellationToken, (i, _) =>
            {
                agents[i] = new SimulatedAgent($"{options.AgentPrefix}-{i:D5}", options.Ak, endpoints, work.FullName, ek,
                    options.Ima ? options.ImaEntriesPerCycle : null);
                return ValueTask.CompletedTask;
            });
            log.WriteLine($"created {options.Agents} software TPMs ({options.Ak} AKs) in {setup.Elapsed.TotalSeconds:F1} s");

            setup.Restart();
            var policyName = options.Ima ? options.AgentPrefix + "-ima" : null;
            // The first enrollment stores the runtime policy under its name; the rest refer to it by name.
            await agents[0].EnrollAsync(policyName, options.Ima ? SimulatedIma.RuntimePolicyJson() : null, cancellationToken);
            await Parallel.ForAsync(1, options.Agents, Limited(cancellationToken), async (i, ct) => await agents[i].EnrollAsync(policyName, null, ct));
            await Parallel.ForAsync(0, options.Agents, Limited(cancellationToken), async (i, ct) => await agents[i].AuthenticateAsync(ct));
            log.WriteLine($"enrolled and authenticated {options.Agents} agents in {setup.Elapsed.TotalSeconds:F1} s");

            return await MeasureAsync(agents, cancellationToken);
        }
        finally
        {
            foreach (var agent in agents)
            {
                agent?.Dispose();
            }

            work.Delete(recursive: true);
        }
    }

    private async Task<LoadReport> MeasureAsync(SimulatedAgent[] agents, CancellationToken cancellationToken)
    {
        var stats = new CycleStats();
        using var warmup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var measuring = false;
        var running = agents.Select(a => Task.Run(() => LoopAsync(a, stats, () => measuring, warmup.Token), CancellationToken.None)).ToList();

        await Task.Delay(TimeSpan.FromSeconds(options.Warmup), cancellationToken);
        var before = Sample();
        stats.Reset();
        Volatile.Write(ref measuring, true);
        log.WriteLine($"warm-up done ({stats.WarmupCycles} cycles); measuring {(options.Cycles is { } n ? $"{n} cycles per agent" : $"{options.Duration} s")}");
        var clock = Stopwatch.StartNew();
        if (options.Cycles is null)
        {
            await Task.Delay(TimeSpan.FromSeconds(options.Duration), cancellationToken);
            await warmup.CancelAsync();
        }

        await Task.WhenAll(running);
        var elapsed = clock.Elapsed;
        var after = Sample();
        return new LoadReport(options, elapsed, stats, before, after);
    }

    private async Task LoopAsync(SimulatedAgent agent, CycleStats stats, Func<bool> measuring, CancellationToken stop)
    {
        var measured = 0;
        while (!stop.IsCancellationRequested && (options.Cycles is not { } limit || measured < limit))
        {
            var counted = measuring();
            CycleResult result;
            try
            {
                result = await agent.CycleAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return; // the run ended mid-cycle: neither a pass nor a failure
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or TaskCanceledException
                                          or Keylime.PushAgent.Clients.VerifierAuthenticationException)
            {
                result = CycleResult.Failed(e.GetType().Name, e.Message);
            }

            if (!result.Pass)
            {
                // A failing agent backs off for a second instead of hammering the verifier.
                await Task.Delay(1000, CancellationToken.None);
            }

            if (counted)
            {
                stats.Add(result);
                measured++;
            }
            else
            {
                stats.AddWarmup();
            }
        }
    }

    private ResourceSample Sample() => ResourceSample.Take(options.VerifierPid, options.DatabasePid);

    // Enrollment and PoP at a modest concurrency: the point is the cycles, not a burst of key checks.
    private static ParallelOptions Limited(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken };
}
