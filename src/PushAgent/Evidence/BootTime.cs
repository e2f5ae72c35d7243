using System.Globalization;

namespace Keylime.PushAgent.Evidence;

/// <summary>When the machine booted: <c>btime</c> of /proc/stat (spec/push-agent.md §6.1).</summary>
public static class BootTime
{
    public static DateTimeOffset Read(string procStat = "/proc/stat")
    {
        try
        {
            foreach (var line in File.ReadLines(procStat))
            {
                if (line.StartsWith("btime ", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return DateTimeOffset.FromUnixTimeSeconds(seconds);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return DateTimeOffset.UnixEpoch;
    }

    /// <summary>Keylime's form: whole seconds, UTC, <c>Z</c>.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
