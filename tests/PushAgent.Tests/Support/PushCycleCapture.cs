using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>One request/response pair of spec/captures/push_cycle.md (a real exchange with Keylime's verifier).</summary>
public sealed record CapturedExchange(
    int Index,
    string Method,
    string Path,
    int Status,
    IReadOnlyDictionary<string, string> RequestHeaders,
    JsonNode? RequestBody,
    IReadOnlyDictionary<string, string> ResponseHeaders,
    string ResponseBody);

/// <summary>Reads the recorded push cycle: headers lines and JSON blocks under "## n. METHOD path -> status".</summary>
public static partial class PushCycleCapture
{
    public static IReadOnlyList<CapturedExchange> Load()
    {
        var text = File.ReadAllText(SharedData.Path("spec", "captures", "push_cycle.md"));
        var result = new List<CapturedExchange>();
        foreach (var section in Regex.Split(text, @"^## ", RegexOptions.Multiline).Skip(1))
        {
            var title = Title().Match(section);
            if (!title.Success)
            {
                continue;
            }

            var requestPart = section[..section.IndexOf("response headers:", StringComparison.Ordinal)];
            var responsePart = section[section.IndexOf("response headers:", StringComparison.Ordinal)..];
            var requestBody = JsonBlock().Match(requestPart) is { Success: true } rb ? JsonNode.Parse(rb.Groups[1].Value) : null;
            var responseBody = JsonBlock().Match(responsePart) is { Success: true } b ? b.Groups[1].Value : "";
            result.Add(new CapturedExchange(
                int.Parse(title.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                title.Groups[2].Value,
                title.Groups[3].Value,
                int.Parse(title.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture),
                Headers(requestPart, "request headers"),
                requestBody,
                Headers(responsePart, "response headers"),
                responseBody));
        }

        return result;
    }

    private static Dictionary<string, string> Headers(string part, string label)
    {
        var match = Regex.Match(part, label + @": `(\{.*?\})`");
        return match.Success
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(match.Groups[1].Value)!
            : [];
    }

    [GeneratedRegex(@"^(\d+)\. (\w+) (\S+) -> (\d+)")]
    private static partial Regex Title();

    [GeneratedRegex(@"```json\s*\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
