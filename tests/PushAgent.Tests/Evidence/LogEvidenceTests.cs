using Keylime.PushAgent.Evidence;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Evidence;

/// <summary>spec/push-agent.md §6.1 and §6.3: log entry counts and what an IMA read from an offset returns.</summary>
public sealed class LogEvidenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("keylime-agent-logs.").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Ima(params string[] lines)
    {
        var path = Path.Combine(_dir, "ima");
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }

    [Fact]
    public void Ima_entry_count_is_the_number_of_newline_terminated_lines()
    {
        Assert.Equal(826, new ImaLog(SharedData.Path("data", "ima", "ascii_runtime_measurements-826-ima-ng-sha1")).CountEntries());
        File.WriteAllText(Path.Combine(_dir, "partial"), "a\nb\nunfinished");
        Assert.Equal(2, new ImaLog(Path.Combine(_dir, "partial")).CountEntries());
        Assert.Equal(0, new ImaLog(Path.Combine(_dir, "absent")).CountEntries());
    }

    [Fact]
    public void Ima_read_from_an_offset_returns_the_later_entries_with_their_newlines()
    {
        var log = new ImaLog(Ima("e0", "e1", "e2", "e3"));
        Assert.Equal(("e2\ne3\n", 2L), log.Read(2, null));
        Assert.Equal(("", 0L), log.Read(4, null));
    }

    [Fact]
    public void Ima_entry_count_keeps_that_many_entries_without_the_final_newline() =>
        Assert.Equal(("e1\ne2", 2L), new ImaLog(Ima("e0", "e1", "e2", "e3")).Read(1, 2));

    [Fact]
    public void Ima_offset_past_the_end_sends_the_whole_log_from_entry_0() =>
        Assert.Equal(("e0\ne1\n", 2L), new ImaLog(Ima("e0", "e1")).Read(9, null));

    [Fact]
    public void Ima_reads_are_incremental_and_see_appended_entries()
    {
        var path = Ima("e0", "e1");
        var log = new ImaLog(path);
        Assert.Equal(("e1\n", 1L), log.Read(1, null));
        File.AppendAllText(path, "e2\ne3\n");
        Assert.Equal(("e2\ne3\n", 2L), log.Read(2, null));
        Assert.Equal(4, log.CountEntries());
        Assert.Equal(("e0\ne1\ne2\ne3\n", 4L), log.Read(0, null));
    }

    [Fact]
    public void Uefi_entry_count_is_the_events_after_the_spec_id_event()
    {
        var log = UefiLog.Load(SharedData.Path("data", "measured-boot", "binary_bios_measurements"));
        Assert.NotNull(log.Bytes);
        Assert.True(log.EntryCount > 0);
        Assert.Equal(0, UefiLog.Load(SharedData.Path("data", "measured-boot", "binary_bios_measurements-bogus")).EntryCount);
        Assert.Equal(0, UefiLog.Load(SharedData.Path("data", "measured-boot", "binary_bios_measurements-empty")).EntryCount);
        Assert.Null(UefiLog.Load(Path.Combine(_dir, "absent")).Bytes);
    }

    [Fact]
    public void Boot_time_is_btime_of_proc_stat_in_whole_UTC_seconds()
    {
        var stat = Path.Combine(_dir, "stat");
        File.WriteAllText(stat, "cpu  1 2 3\nbtime 1764352800\nprocesses 5\n");
        Assert.Equal("2025-11-28T18:00:00Z", BootTime.Format(BootTime.Read(stat)));
        Assert.Equal(DateTimeOffset.UnixEpoch, BootTime.Read(Path.Combine(_dir, "absent")));
    }

    [Theory]
    [InlineData("x9ZcAB1uUWB4DcHpi0ZTlA==", 16)]
    [InlineData("not base64!", 11)]
    public void The_nonce_is_the_base64_decoded_challenge_or_its_text(string challenge, int length) =>
        Assert.Equal(length, EvidenceCollector.Nonce(challenge).Length);
}
