using System.Globalization;

namespace Keylime.LoadGenerator;

/// <summary>Thread-safe tallies of the measured cycles: pass latencies, verdict polls, failures by kind (with one sample detail each).</summary>
public sealed class CycleStats
{
    private readonly Lock _gate = new();
    private readonly List<double> _latencies = [];
    private readonly Dictionary<string, (int Count, string? Sample)> _failures = new(StringComparer.Ordinal);
    private long _polls;
    private int _warmup;

    public int WarmupCycles => Volatile.Read(ref _warmup);

    public void AddWarmup() => Interlocked.Increment(ref _warmup);

    public void Add(CycleResult result)
    {
        lock (_gate)
        {
            if (result.Pass)
            {
                _latencies.Add(result.LatencyMs);
                _polls += result.Polls;
                return;
            }

            var kind = result.FailureKind ?? "unknown";
            _failures[kind] = _failures.TryGetValue(kind, out var seen) ? (seen.Count + 1, seen.Sample) : (1, result.Detail);
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _latencies.Clear();
            _failures.Clear();
            _polls = 0;
        }
    }

    public int Passed
    {
        get
        {
            lock (_gate)
            {
                return _latencies.Count;
            }
        }
    }

    public int Failed
    {
        get
        {
            lock (_gate)
            {
                return _failures.Values.Sum(f => f.Count);
            }
        }
    }

    public double PollsPerPass
    {
        get
        {
            lock (_gate)
            {
                return _latencies.Count == 0 ? 0 : (double)_polls / _latencies.Count;
            }
        }
    }

    public IReadOnlyList<(string Kind, int Count, string? Sample)> Failures
    {
        get
        {
            lock (_gate)
            {
                return _failures.OrderByDescending(f => f.Value.Count).Select(f => (f.Key, f.Value.Count, f.Value.Sample)).ToList();
            }
        }
    }

    /// <summary>The latency (ms) below which <paramref name="fraction"/> of the passing cycles fall (nearest rank).</summary>
    public double Percentile(double fraction)
    {
        lock (_gate)
        {
            if (_latencies.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _latencies.Order().ToList();
            var rank = (int)Math.Ceiling(fraction * sorted.Count) - 1;
            return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Passed} passed, {Failed} failed");
}

/// <summary>
/// CPU seconds of a process (utime + stime of /proc/PID/stat) and this machine's 1-minute load
/// average at one instant.
/// </summary>
public sealed record ResourceSample(double? VerifierCpuSeconds, double OwnCpuSeconds, double LoadAverage)
{
    /// <summary>
    /// /proc reports times in USER_HZ ticks, which the kernel fixes at 100 for user space on every
    /// mainstream architecture (whatever CONFIG_HZ is).
    /// </summary>
    private const double TicksPerSecond = 100;

    public static ResourceSample Take(int? pid) =>
        new(pid is { } p ? ProcessCpuSeconds(p) : null,
            System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
            ReadLoadAverage());

    /// <summary>Fields 14 and 15 of /proc/PID/stat, counted after the parenthesised command name (which may hold spaces).</summary>
    public static double ProcessCpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    private static double ReadLoadAverage() =>
        File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
            : double.NaN;
}
