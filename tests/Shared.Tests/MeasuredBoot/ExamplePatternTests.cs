using System.Text.Json;
using System.Text.RegularExpressions;
using CsCheck;
using Keylime.Shared.MeasuredBoot;

namespace Keylime.Shared.Tests.MeasuredBoot;

/// <summary>
/// The example policy's name tests and the refstate's hex check accept exactly what the regexes
/// they replaced accept (full match, <c>.</c> without <c>\n</c> unless DOTALL).
/// </summary>
public class ExamplePatternTests
{
    private static Regex FullMatch(string pattern, bool dotAll = false) =>
        new($"^(?:{pattern})\\z", RegexOptions.CultureInvariant | (dotAll ? RegexOptions.Singleline : RegexOptions.None));

    private static readonly (Regex Regex, Func<string, bool> Test)[] Rules =
    [
        (FullMatch("BootOrder|Boot[0-9a-fA-F]+"), ExamplePatterns.IsBootVariable),
        (FullMatch(".*/loader/entries.*"), ExamplePatterns.IsLoaderEntry),
        (FullMatch(".*/grub.*"), ExamplePatterns.IsGrubFile),
        (FullMatch(".*/vmlinuz.*"), ExamplePatterns.IsVmlinuz),
        (FullMatch(".*/initrd.*|.*/initramfs.*"), ExamplePatterns.IsInitrd),
        (FullMatch("grub_cmd: .*", dotAll: true), ExamplePatterns.IsGrubCommand),
        (FullMatch("kernel_cmdline: .*"), ExamplePatterns.IsKernelCommandLine),
    ];

    private static readonly string[] Pieces =
    [
        "Boot", "Order", "000A", "fF", "g", "/loader/entries", "/grub", "/vmlinuz", "/initrd", "/initramfs",
        "grub_cmd: ", "kernel_cmdline: ", "/boot", "\n", "\r", " ", "x", "/", "é",
    ];

    [Fact]
    public void Example_policy_name_tests_accept_exactly_what_their_regexes_accept()
    {
        var text = Gen.Int[0, Pieces.Length - 1].Select(i => Pieces[i]).Array[0, 6].Select(string.Concat);
        text.Sample(
            t =>
            {
                foreach (var (regex, test) in Rules)
                {
                    Assert.True(regex.IsMatch(t) == test(t), $"{regex} on '{t}'");
                }
            },
            iter: 10_000);
    }

    [Theory]
    [InlineData("0xab01", true)]
    [InlineData("0xab01\n", true)] // the regex's $ also matched before one final newline
    [InlineData("0xAB01", false)]
    [InlineData("0x", false)]
    [InlineData("0x\n", false)]
    [InlineData("0xab\n\n", false)]
    [InlineData("ab01", false)]
    [InlineData("0xab 01", false)]
    public void Refstate_hex_values_are_0x_and_lowercase_hex_as_keylime_checks(string value, bool accepted)
    {
        var refstate = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kernels"] = Array.Empty<object>(),
            ["scrtm_and_bios"] = Array.Empty<object>(),
            ["pk"] = Array.Empty<object>(),
            ["kek"] = Array.Empty<object>(),
            ["db"] = Array.Empty<object>(),
            ["dbx"] = Array.Empty<object>(),
            ["mokdig"] = new[] { new Dictionary<string, string> { ["sha256"] = value } },
            ["mokxdig"] = Array.Empty<object>(),
        });
        using var doc = JsonDocument.Parse(refstate);
        if (accepted)
        {
            Assert.Equal(value[2..], ExampleRefState.Parse(doc.RootElement).MokDig[0].ByAlgorithm["sha256"]);
        }
        else
        {
            Assert.Throws<FormatException>(() => ExampleRefState.Parse(doc.RootElement));
        }
    }
}
