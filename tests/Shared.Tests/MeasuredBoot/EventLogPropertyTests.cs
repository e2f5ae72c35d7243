using CsCheck;
using Keylime.Shared.MeasuredBoot;
using static Keylime.Shared.Tests.MeasuredBoot.MbTestData;

namespace Keylime.Shared.Tests.MeasuredBoot;

/// <summary>Arbitrary, truncated and corrupted logs only ever yield typed results, never other exceptions.</summary>
public class EventLogPropertyTests
{
    private static readonly byte[] Real = Log("mb_log.b64");
    private static readonly string Refstate = ReferenceStateGenerator.FromLog(EventLog.Parse(Real)).Json!;

    private static void ParseNeverThrows(byte[] bytes)
    {
        var parsed = EventLog.TryParse(bytes);
        Assert.True(parsed.Succeeded || !string.IsNullOrEmpty(parsed.Error));
        if (parsed.Succeeded)
        {
            // Everything downstream of a successful parse must also stay typed.
            var replay = parsed.Log!.Replay();
            _ = replay.BootAggregates();
            var result = MeasuredBootVerifier.Verify(new MeasuredBootRequest
            {
                Log = bytes, ReferenceState = Refstate, PolicyName = "example", Bank = TcgAlgorithms.Sha256,
                QuotedPcrs = Enumerable.Range(0, 16).ToDictionary(p => p, _ => new byte[32]),
            });
            Assert.All(result.Failures, f => Assert.False(string.IsNullOrEmpty(f.EventId)));
            _ = ReferenceStateGenerator.FromLog(parsed.Log, withoutSecureBoot: true);
        }
    }

    [Fact]
    public void Random_bytes_parse_to_typed_results_only()
    {
        Gen.Byte.Array[0, 512].Sample(ParseNeverThrows, iter: 10_000);
    }

    [Fact]
    public void Truncated_and_corrupted_real_logs_parse_to_typed_results_only()
    {
        var gen = from cut in Gen.Int[0, Real.Length]
                  from flips in Gen.Int[0, 4]
                  from positions in Gen.Int[0, Real.Length - 1].Array[flips]
                  from values in Gen.Byte.Array[flips]
                  select Corrupt(cut, positions, values);
        gen.Sample(ParseNeverThrows, iter: 10_000);
    }

    private static byte[] Corrupt(int cut, int[] positions, byte[] values)
    {
        var bytes = Real.ToArray();
        for (var i = 0; i < positions.Length; i++)
        {
            bytes[positions[i]] = values[i];
        }

        return bytes[..cut];
    }
}
