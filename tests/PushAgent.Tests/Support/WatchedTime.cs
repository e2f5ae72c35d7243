using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also records every timer's due time, so a test can wait
/// until the code under test is actually waiting (and for how long) before advancing time.
/// </summary>
public sealed class WatchedTime : FakeTimeProvider
{
    public WatchedTime()
        : base(DateTimeOffset.Parse("2026-11-28T18:00:00Z", global::System.Globalization.CultureInfo.InvariantCulture))
    {
    }

    public ConcurrentQueue<TimeSpan> Timers { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Record(dueTime);
        return new Watched(base.CreateTimer(callback, state, dueTime, period), this);
    }

    private void Record(TimeSpan dueTime)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Timers.Enqueue(dueTime);
        }
    }

    /// <summary>Timers re-armed with Change (CancellationTokenSource.CancelAfter does this) are recorded too.</summary>
    private sealed class Watched(ITimer inner, WatchedTime owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Record(dueTime);
            return inner.Change(dueTime, period);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>Waits until a timer of exactly <paramref name="due"/> has been created (the n-th such), then advances by it.</summary>
    public async Task AdvanceWhenWaiting(TimeSpan due, int occurrence = 1)
    {
        await Eventually.True(() => Timers.Count(t => t == due) >= occurrence, $"a {due.TotalSeconds} s timer (#{occurrence})");
        Advance(due);
    }
}
