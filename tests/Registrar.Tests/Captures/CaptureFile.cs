using System.Text.Json;
using System.Text.RegularExpressions;

namespace Keylime.Registrar.Tests.Captures;

/// <summary>One exchange of a capture digest (spec/captures/registrar_*.md).</summary>
public sealed record CapturedExchange(int Index, string Method, string Path, int Status, JsonElement? Request, JsonElement? Response);

/// <summary>
/// Reads a capture digest: <c>## n. METHOD PATH -> STATUS</c>, then the request body (if any) and
/// the response body as JSON blocks. Long values are shortened there as <c>PREFIX...(N chars)</c>.
/// </summary>
public static partial class CaptureFile
{
    public static IReadOnlyList<CapturedExchange> Read(string path)
    {
        var text = File.ReadAllText(path);
        var exchanges = new List<CapturedExchange>();
        foreach (var section in text.Split("\n## ").Skip(1))
        {
            var header = Header().Match(section);
            if (!header.Success)
            {
                continue;
            }

            var split = section.IndexOf("response headers", StringComparison.Ordinal);
            var requestPart = split < 0 ? "" : section[..split];
            var responsePart = split < 0 ? section : section[split..];
            exchanges.Add(new CapturedExchange(
                int.Parse(header.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                header.Groups[2].Value, header.Groups[3].Value,
                int.Parse(header.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture),
                FirstJson(requestPart), FirstJson(responsePart)));
        }

        return exchanges;
    }

    /// <summary>
    /// True when <paramref name="actual"/> is what the capture recorded: equal, or for a shortened
    /// value the same length and the same first <paramref name="comparablePrefix"/> characters of
    /// the recorded prefix (key material after a TPM public area's header differs between TPMs).
    /// </summary>
    public static bool Matches(string recorded, string actual, int comparablePrefix = int.MaxValue)
    {
        var shortened = Shortened().Match(recorded);
        if (!shortened.Success)
        {
            return recorded == actual;
        }

        var prefix = shortened.Groups[1].Value;
        prefix = prefix[..Math.Min(prefix.Length, comparablePrefix)];
        return actual.StartsWith(prefix, StringComparison.Ordinal)
               && actual.Length == int.Parse(shortened.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static JsonElement? FirstJson(string part)
    {
        var block = JsonBlock().Match(part);
        return block.Success ? JsonDocument.Parse(block.Groups[1].Value).RootElement.Clone() : null;
    }

    [GeneratedRegex(@"^(\d+)\. (\w+) (\S+) -> (\d+)")]
    private static partial Regex Header();

    [GeneratedRegex(@"```json\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex(@"^(.*)\.\.\.\((\d+) chars\)$", RegexOptions.Singleline)]
    private static partial Regex Shortened();
}
