using BenchmarkDotNet.Attributes;
using Keylime.Shared.MeasuredBoot;

namespace Keylime.Benchmarks;

/// <summary>
/// UEFI event log work per attestation: parse + replay + PCR comparison + example-policy
/// evaluation of the 101-event mb_log fixture (sha256, Secure Boot, dbx), and the same without evaluation
/// (<c>measured_boot_evaluate = once</c> after the first success).
/// </summary>
[MemoryDiagnoser]
public class MeasuredBootBenchmarks
{
    private byte[] _log = [];
    private string _refstate = "";
    private Dictionary<int, byte[]> _quote = [];

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(FindShared(), "data", "measured-boot", "mb_log.b64");
        _log = Convert.FromBase64String(File.ReadAllText(path).Replace("\n", "", StringComparison.Ordinal));
        var parsed = EventLog.Parse(_log);
        _refstate = ReferenceStateGenerator.FromLog(parsed).Json!;
        var replay = parsed.Replay();
        _quote = Enumerable.Range(0, 16).ToDictionary(p => p, p => replay.ValueOf(TcgAlgorithms.Sha256, p)!);
        if (!Verify(true).Passed)
        {
            throw new InvalidOperationException("benchmark log does not verify");
        }
    }

    [Benchmark(Description = "UEFI parse+replay+compare+example policy")]
    public MeasuredBootResult ParseReplayEvaluate() => Verify(true);

    [Benchmark(Description = "UEFI parse+replay+compare")]
    public MeasuredBootResult ParseReplay() => Verify(false);

    private MeasuredBootResult Verify(bool evaluate) => MeasuredBootVerifier.Verify(new MeasuredBootRequest
    {
        Log = _log,
        ReferenceState = _refstate,
        PolicyName = "example",
        Evaluate = evaluate,
        Bank = TcgAlgorithms.Sha256,
        QuotedPcrs = _quote,
    });

    /// <summary>The shared fixtures folder beside the repository (or KEYLIME_SHARED_DIR).</summary>
    private static string FindShared()
    {
        if (Environment.GetEnvironmentVariable("KEYLIME_SHARED_DIR") is { Length: > 0 } overridden)
        {
            return overridden;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Keylime.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            }
        }

        throw new DirectoryNotFoundException("shared fixtures not found; set KEYLIME_SHARED_DIR");
    }
}
