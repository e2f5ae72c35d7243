using System.Globalization;
using System.Threading.RateLimiting;
using Keylime.Shared.Configuration;

namespace Keylime.Verifier.Sessions;

/// <summary>
/// Session-creation limits of spec/verifier.md §6.7: per client IP and per agent id, each a sliding
/// window (ASP.NET Core's <see cref="SlidingWindowRateLimiter"/>). A refused request is not counted.
/// Keylime's escalating block (60 s, doubling) is replaced by the window's own retry time: an agent
/// that backs off as told gets in again as soon as the window allows. A limit of 0 disables the check.
/// </summary>
public sealed class SessionRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _perIp;
    private readonly PartitionedRateLimiter<string>? _perAgent;
    private readonly TimeSpan _ipWindow;
    private readonly TimeSpan _agentWindow;

    public SessionRateLimits(VerifierOptions options)
    {
        _ipWindow = TimeSpan.FromSeconds(Math.Max(1, options.SessionCreateRateLimitWindowIp));
        _agentWindow = TimeSpan.FromSeconds(Math.Max(1, options.SessionCreateRateLimitWindowAgent));
        _perIp = Create(options.SessionCreateRateLimitPerIp, _ipWindow);
        _perAgent = Create(options.SessionCreateRateLimitPerAgent, _agentWindow);
    }

    /// <summary>Null when allowed, else the seconds to wait (the Retry-After value).</summary>
    public int? TryAcquireForIp(string ip) => TryAcquire(_perIp, ip, _ipWindow);

    public int? TryAcquireForAgent(string agentId) => TryAcquire(_perAgent, agentId, _agentWindow);

    public static string RetryAfterHeader(int seconds) => seconds.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _perIp?.Dispose();
        _perAgent?.Dispose();
    }

    private static PartitionedRateLimiter<string>? Create(int limit, TimeSpan window) =>
        limit <= 0
            ? null
            : PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetSlidingWindowLimiter(key, _ =>
                new SlidingWindowRateLimiterOptions
                {
                    PermitLimit = limit,
                    Window = window,
                    SegmentsPerWindow = (int)Math.Clamp(window.TotalSeconds, 1, 60),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));

    private static int? TryAcquire(PartitionedRateLimiter<string>? limiter, string key, TimeSpan window)
    {
        if (limiter is null)
        {
            return null;
        }

        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }

        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : window;
        return Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
    }
}
