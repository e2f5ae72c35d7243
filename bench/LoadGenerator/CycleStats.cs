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
/// CPU seconds of the verifier (utime + stime of /proc/PID/stat), of the database server (a postmaster
/// and its backends), of this process and of the whole machine (busy time of /proc/stat), and the
/// 1-minute load average, at one instant.
/// </summary>
public sealed record ResourceSample(double? VerifierCpuSeconds, double? DatabaseCpuSeconds, double OwnCpuSeconds, double MachineCpuSeconds,
    double LoadAverage)
{
    /// <summary>
    /// /proc reports times in USER_HZ ticks, which the kernel fixes at 100 for user space on every
    /// mainstream architecture (whatever CONFIG_HZ is).
    /// </summary>
    private const double TicksPerSecond = 100;

    public static ResourceSample Take(int? verifierPid, int? databasePid) =>
        new(verifierPid is { } p ? ProcessCpuSeconds(p) : null,
            databasePid is { } d ? ProcessTreeCpuSeconds(d) : null,
            System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
            MachineBusySeconds(),
            ReadLoadAverage());

    /// <summary>Fields 14 and 15 of /proc/PID/stat, counted after the parenthesised command name (which may hold spaces).</summary>
    public static double ProcessCpuSeconds(int pid) => StatFields(pid) is { } f ? CpuOf(f) : 0;

    /// <summary>
    /// A process and all its descendants: a postmaster's backends live as long as their pooled
    /// connections, and the postmaster itself may run under runuser when started by root.
    /// </summary>
    public static double ProcessTreeCpuSeconds(int pid)
    {
        var processes = new List<(string Pid, string Parent, double Cpu)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var each) && StatFields(each) is { } f)
            {
                processes.Add((name, f[1], CpuOf(f)));
            }
        }

        var tree = new HashSet<string> { pid.ToString(CultureInfo.InvariantCulture) };
        for (var grown = true; grown;)
        {
            grown = false;
            foreach (var (each, parent, _) in processes)
            {
                grown |= tree.Contains(parent) && tree.Add(each);
            }
        }

        return processes.Where(p => tree.Contains(p.Pid)).Sum(p => p.Cpu);
    }

    // fields[0] is field 3 (state), so ppid (4) is fields[1], utime (14) and stime (15) are fields[11] and fields[12].
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // the process ended between listing and reading
        }
    }

    private static double CpuOf(string[] fields) =>
        (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;

    /// <summary>All CPUs' non-idle time from the first line of /proc/stat (user nice system idle iowait irq softirq steal).</summary>
    private static double MachineBusySeconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return double.NaN;
        }

        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        for (var i = 1; i <= 8 && i < fields.Length; i++)
        {
            if (i is not (4 or 5)) // idle, iowait
            {
                busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }
        }

        return busy / TicksPerSecond;
    }

    private static double ReadLoadAverage() =>
        File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
            : double.NaN;
}
