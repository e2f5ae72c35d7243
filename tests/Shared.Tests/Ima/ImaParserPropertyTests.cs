using CsCheck;
using Keylime.Shared.Ima;

namespace Keylime.Shared.Tests.Ima;

/// <summary>Arbitrary and truncated logs only ever yield typed failures, never exceptions.</summary>
public class ImaParserPropertyTests
{
    private static readonly string[] Sample = ImaTestData.Log("ascii_runtime_measurements-826-ima-ng-sha1").Split('\n')[..40];
    private static readonly string[] Templates = ["ima-ng", "ima-sig", "ima-buf", "ima", "ima-modsig"];
    private static readonly RuntimePolicy Policy = ImaTestData.PolicyFor(string.Join('\n', Sample), edit: d => d.Excludes.Add("/usr/lib/"));

    private static void ReplayNeverThrows(string text)
    {
        var result = ImaLog.Replay(Policy, new ImaReplayRequest { Entries = text, Bank = ImaHashAlgorithm.Sha256, QuotedPcr10 = new byte[32] });
        Assert.All(result.Failures, f => Assert.False(string.IsNullOrEmpty(f.EventId)));
    }

    [Fact]
    public void Random_text_replays_to_typed_failures_only()
    {
        var alphabet = Gen.OneOf(Gen.Char["0123456789abcdef :\n"], Gen.Char.AlphaNumeric, Gen.Char);
        Gen.String[alphabet, 0, 300].Sample(ReplayNeverThrows, iter: 10_000);
    }

    [Fact]
    public void Truncated_and_mutated_real_lines_replay_to_typed_failures_only()
    {
        var gen = from line in Gen.Int[0, Sample.Length - 1].Select(i => Sample[i])
                  from template in Gen.Int[0, 4].Select(i => Templates[i])
                  from cut in Gen.Int[0, 200]
                  from flip in Gen.Int[0, 200]
                  from ch in Gen.Char["0aZ: \u00e9\r"]
                  select Mutate(line.Replace("ima-ng", template, StringComparison.Ordinal), cut, flip, ch);
        gen.Sample(ReplayNeverThrows, iter: 10_000);
    }

    private static string Mutate(string line, int cut, int flip, char ch)
    {
        var text = line[..Math.Min(cut, line.Length)];
        if (text.Length > 0)
        {
            var chars = text.ToCharArray();
            chars[flip % chars.Length] = ch;
            text = new string(chars);
        }

        return text + (cut % 3 == 0 ? " " : "");
    }
}
