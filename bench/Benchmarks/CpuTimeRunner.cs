using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Keylime.Benchmarks;

/// <summary>
/// <c>cpu-time &lt;class-name-part&gt; [seconds]</c>: runs each [Benchmark] of the matching classes
/// in-process for a while and prints process CPU time (user + system) per call beside wall time.
/// On a shared machine wall-clock means are inflated by the other load; CPU time per operation
/// is the figure to compare (it is still somewhat inflated by cache and SMT contention).
/// </summary>
internal static class CpuTimeRunner
{
    public static void Run(string filter, double seconds)
    {
        var types = Assembly.GetExecutingAssembly().GetTypes()
            .Where(t => t.Name.Contains(filter, StringComparison.OrdinalIgnoreCase) && t.GetMethods().Any(IsBenchmark));
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var type in types)
        {
            var instance = Activator.CreateInstance(type)!;
            type.GetMethods().FirstOrDefault(m => m.GetCustomAttribute<GlobalSetupAttribute>() is not null)?.Invoke(instance, null);
            foreach (var method in type.GetMethods().Where(IsBenchmark))
            {
                Measure(method.GetCustomAttribute<BenchmarkAttribute>()!.Description ?? method.Name, () => method.Invoke(instance, null), seconds);
            }
        }

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static string Time(double milliseconds) =>
        milliseconds >= 1 ? $"{milliseconds:F2} ms" : $"{milliseconds * 1000:F2} µs";

    private static bool IsBenchmark(MethodInfo m) => m.GetCustomAttribute<BenchmarkAttribute>() is not null;

    private static void Measure(string name, Action call, double seconds)
    {
        // Warm up long enough for tiered compilation to settle on the optimized code.
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed.TotalSeconds < Math.Max(2, seconds / 2))
        {
            call();
        }

        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var wall = Stopwatch.StartNew();
        long calls = 0;
        while (wall.Elapsed.TotalSeconds < seconds)
        {
            call();
            calls++;
        }

        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / calls;
        var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / calls;
        Console.WriteLine($"{name}: CPU {Time(cpu)}/op, wall {Time(wall.Elapsed.TotalMilliseconds / calls)}/op, {allocated:N0} B/op, {calls} calls");
    }
}
