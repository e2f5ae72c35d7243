using CsCheck;
using Keylime.Shared.Ima;

namespace Keylime.Shared.Tests.Ima;

/// <summary>The parser's field splitter gives exactly what splitting at the first remaining space, again and again, gives.</summary>
public class SpaceScannerTests
{
    [Fact]
    public void Fields_and_rest_match_splitting_at_successive_spaces()
    {
        var gen = from text in Gen.String[Gen.OneOf(Gen.Char[" "], Gen.Char["a0\n\u00e9"], Gen.Char), 0, 120]
                  from splits in Gen.Int[0, 12]
                  select (text, splits);
        gen.Sample(c => AssertSplitsLikeIndexOf(c.text, c.splits), iter: 10_000);
    }

    [Fact]
    public void Spaces_at_every_window_boundary_are_found_once()
    {
        for (var length = 0; length < 70; length++)
        {
            for (var position = 0; position < length; position++)
            {
                var chars = new string('x', length).ToCharArray();
                chars[position] = ' ';
                AssertSplitsLikeIndexOf(new string(chars), 3);
                chars[length - 1] = ' ';
                AssertSplitsLikeIndexOf(new string(chars), 3);
            }

            AssertSplitsLikeIndexOf(new string(' ', length), length + 1);
        }
    }

    private static void AssertSplitsLikeIndexOf(string text, int splits)
    {
        var scanner = new SpaceScanner(text);
        var rest = text;
        for (var i = 0; i < splits; i++)
        {
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            var took = scanner.TrySplit(out var field);
            Assert.Equal(space >= 0, took);
            if (!took)
            {
                Assert.Equal(rest, scanner.Rest.ToString());
                break;
            }

            Assert.Equal(rest[..space], field.ToString());
            rest = rest[(space + 1)..];
            Assert.Equal(rest, scanner.Rest.ToString());
        }
    }
}
