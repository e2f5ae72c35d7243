using System.Globalization;

namespace Keylime.RegistrarLoad;

/// <summary>CPU time (utime + stime) of a process from /proc/&lt;pid&gt;/stat, and the machine's load average.</summary>
public static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>utime + stime of <paramref name="pid"/> (itself when null); null when the process is gone.</summary>
    public static TimeSpan? Read(int? pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{(pid is null ? "self" : pid.Value.ToString(CultureInfo.InvariantCulture))}/stat");
            // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
