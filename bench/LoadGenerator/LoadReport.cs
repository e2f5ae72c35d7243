using System.Globalization;

namespace Keylime.LoadGenerator;

/// <summary>The figures of one measured period, printed as aligned "name: value" lines (bench/README.md quotes them).</summary>
public sealed record LoadReport(LoadOptions Options, TimeSpan Elapsed, CycleStats Stats, ResourceSample Before, ResourceSample After)
{
    public int Passed => Stats.Passed;

    public double CyclesPerSecond => Stats.Passed / Elapsed.TotalSeconds;

    /// <summary>Verifier CPU milliseconds per verified cycle (null without --verifier-pid).</summary>
    public double? VerifierCpuMsPerCycle =>
        Before.VerifierCpuSeconds is { } start && After.VerifierCpuSeconds is { } end && Stats.Passed > 0
            ? (end - start) * 1000 / Stats.Passed
            : null;

    /// <summary>Database server CPU milliseconds per verified cycle (null without --database-pid).</summary>
    public double? DatabaseCpuMsPerCycle =>
        Before.DatabaseCpuSeconds is { } start && After.DatabaseCpuSeconds is { } end && Stats.Passed > 0
            ? (end - start) * 1000 / Stats.Passed
            : null;

    /// <summary>Busy CPU of the whole machine per verified cycle: everything, other work included.</summary>
    public double MachineCpuMsPerCycle => Stats.Passed > 0 ? (After.MachineCpuSeconds - Before.MachineCpuSeconds) * 1000 / Stats.Passed : double.NaN;

    public double ClientCpuMsPerCycle => Stats.Passed > 0 ? (After.OwnCpuSeconds - Before.OwnCpuSeconds) * 1000 / Stats.Passed : double.NaN;

    public void Print(TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(c, $"agents:                  {Options.Agents} ({Options.Ak} AK{(Options.Ima ? $", IMA +{Options.ImaEntriesPerCycle} entries/cycle" : "")})"));
        o.WriteLine(string.Create(c, $"measured:                {Elapsed.TotalSeconds:F1} s"));
        o.WriteLine(string.Create(c, $"verified cycles:         {Stats.Passed}"));
        o.WriteLine(string.Create(c, $"cycles/s:                {CyclesPerSecond:F1}"));
        o.WriteLine(string.Create(c, $"cycle latency p50/p99:   {Stats.Percentile(0.50):F1} / {Stats.Percentile(0.99):F1} ms (POST to verdict seen)"));
        o.WriteLine(string.Create(c, $"verdict polls/cycle:     {Stats.PollsPerPass:F2}"));
        o.WriteLine(VerifierCpuMsPerCycle is { } cpu
            ? string.Create(c, $"verifier CPU/cycle:      {cpu:F3} ms ({After.VerifierCpuSeconds - Before.VerifierCpuSeconds:F2} s total)")
            : "verifier CPU/cycle:      n/a (no --verifier-pid)");
        o.WriteLine(string.Create(c, $"client CPU/cycle:        {ClientCpuMsPerCycle:F3} ms"));
        if (DatabaseCpuMsPerCycle is { } database)
        {
            o.WriteLine(string.Create(c, $"database CPU/cycle:      {database:F3} ms"));
        }

        o.WriteLine(string.Create(c, $"machine CPU/cycle:       {MachineCpuMsPerCycle:F3} ms (all processes, {Environment.ProcessorCount} CPUs)"));
        o.WriteLine(string.Create(c, $"load average (1 min):    {Before.LoadAverage:F2} before, {After.LoadAverage:F2} after ({Environment.ProcessorCount} CPUs)"));
        o.WriteLine(string.Create(c, $"failures:                {Stats.Failed}"));
        foreach (var (kind, count, sample) in Stats.Failures)
        {
            o.WriteLine(string.Create(c, $"  {count,8} × {kind}{(sample is null ? "" : $"  e.g. {sample}")}"));
        }
    }
}
