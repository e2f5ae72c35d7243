using System.Globalization;
using Keylime.Verifier.Sessions;

namespace Keylime.Verifier.Tests.Wire;

/// <summary>Keylime's timestamp text (spec/captures/push_cycle.md: <c>2026-11-28T18:03:31.166720+00:00</c>).</summary>
public sealed class TimestampsTests
{
    public static TheoryData<DateTime> Instants() =>
    [
        new DateTime(2026, 11, 28, 18, 3, 31, DateTimeKind.Utc).AddTicks(1667209), // the seventh digit is dropped, not rounded
        new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        new DateTime(2026, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9999999),
        new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Unspecified), // stored times come back without a kind: still UTC
        DateTime.UnixEpoch,
        DateTime.MinValue,
        DateTime.MaxValue,
    ];

    [Theory]
    [MemberData(nameof(Instants))]
    public void An_instant_is_written_with_microseconds_and_an_explicit_utc_offset(DateTime instant) =>
        Assert.Equal(
            DateTime.SpecifyKind(instant, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture),
            Timestamps.Format(instant));

    [Fact]
    public void The_text_is_keylimes()
    {
        Assert.Equal("2026-11-28T18:03:31.166720+00:00", Timestamps.Format(new DateTime(2026, 11, 28, 18, 3, 31, DateTimeKind.Utc).AddTicks(1667209)));
        Assert.Null(Timestamps.Format((DateTime?)null));
    }
}
