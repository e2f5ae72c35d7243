using Keylime.Shared.MeasuredBoot;
using static Keylime.Shared.Tests.MeasuredBoot.MbTestData;

namespace Keylime.Shared.Tests.MeasuredBoot;

/// <summary>Spec §3.1–§3.2 and the fixture values of §5.</summary>
public class EventLogReplayTests
{
    [Theory]
    [InlineData("mb_log.b64", TcgAlgorithms.Sha256, 0, "9d24421442591dbdb8e8220ae8f26e7ebac76eb52cf3ced2d2b753d747e37b88")]
    [InlineData("mb_log.b64", TcgAlgorithms.Sha256, 7, "b4d804679133a73c3988362ef234fbf597f0490d1a0cae072949b63a93fb7b39")]
    [InlineData("mb_log.b64", TcgAlgorithms.Sha256, 14, "43f0f3919109c5bb9ab6eb7a25857cc9c1eec6b512b6f44034de4b85a1e3d428")]
    [InlineData("uefi_log.bin", TcgAlgorithms.Sha256, 0, "5c4103d6dcf2a90c30a646cc090a8de10cbe1c4a1f21c0d7d4f2f4836b2055da")]
    [InlineData("uefi_log.bin", TcgAlgorithms.Sha256, 7, "7ab310d890fb86d2084bcf75a11172654fc4fbe5ec29f68afd864e22bd0e13ab")]
    [InlineData("binary_bios_measurements", TcgAlgorithms.Sha1, 0, "78f3e576d5da8873860e557535d181f4a37e2963")]
    [InlineData("binary_bios_measurements", TcgAlgorithms.Sha256, 0, "0ee9a7feba8f4172f1a7451594aa5731665a4d353ac61814042ce107a00742f2")]
    public void Each_fixture_log_replays_to_the_spec_pcr_values(string file, ushort bank, int pcr, string expected)
    {
        var replay = EventLog.Parse(Log(file)).Replay();
        Assert.Equal(expected, Convert.ToHexStringLower(replay.ValueOf(bank, pcr)!));
    }

    [Theory]
    [InlineData("mb_log.b64", 101, new[] { TcgAlgorithms.Sha256 })]
    [InlineData("uefi_log.bin", 123, new[] { TcgAlgorithms.Sha256 })]
    [InlineData("binary_bios_measurements", 120, new[] { TcgAlgorithms.Sha1, TcgAlgorithms.Sha256 })]
    [InlineData("binary_bios_measurements-secureboot", 98, new[] { TcgAlgorithms.Sha256 })]
    public void Fixture_logs_parse_with_their_event_counts_and_banks(string file, int events, ushort[] banks)
    {
        var log = EventLog.Parse(Log(file));
        Assert.True(log.IsCryptoAgile);
        Assert.Equal(events, log.Events.Count - 1); // the spec counts the events after the Spec ID header
        Assert.Equal(banks.Order(), log.DigestSizes.Keys.Order());
    }

    [Fact]
    public void The_startup_locality_sets_the_initial_pcr0_instead_of_being_extended()
    {
        var log = EventLog.Parse(Log("binary_bios_measurements"));
        Assert.Contains(log.Events, e => e.EventType == TcgEventTypes.NoAction && e.PcrIndex == 0 && e.Number > 0);

        // tpm2-tools 5.4 prints ab3e9fd3… for this log: it extends EV_NO_ACTION and ignores the locality.
        var replayed = Convert.ToHexStringLower(log.Replay().ValueOf(TcgAlgorithms.Sha1, 0)!);
        Assert.DoesNotContain("ab3e9fd3", replayed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("binary_bios_measurements-bogus", "PCR")]
    [InlineData("binary_bios_measurements-empty", "empty")]
    public void Bogus_and_empty_logs_are_refused_with_a_clear_error(string file, string reason)
    {
        var result = EventLog.TryParse(Log(file));
        Assert.False(result.Succeeded);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_log_is_refused_naming_the_event()
    {
        var bytes = Log("mb_log.b64");
        var result = EventLog.TryParse(bytes.AsMemory(0, bytes.Length - 10));
        Assert.False(result.Succeeded);
        Assert.Contains("truncated", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Boot_aggregates_match_the_spec_vector()
    {
        var aggregates = EventLog.Parse(Log("mb_log.b64")).Replay().BootAggregates();
        Assert.Equal(
            ["d1afa60bd34583e378ededf7395acc85b23e22cd6ab3b832c997ae0304818379", "f2f728d7183a2688ea007112dcd128628208d0b0631d22f313b4c3662d971df5"],
            aggregates);
    }
}
