using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Keylime.TestSupport;

namespace Keylime.Tenant.Tests.Support;

/// <summary>One exchange of a capture digest (spec/captures/*.md): request line, headers, bodies.</summary>
public sealed record CapturedExchange(
    int Index,
    string Method,
    string Path,
    int Status,
    JsonObject RequestHeaders,
    string? RequestBody,
    string? ResponseBody);

/// <summary>
/// Reads the capture digests of Keylime's own tenant talking to Keylime's servers. Bodies are the
/// digest's pretty-printed JSON; long base64 values are shortened there as
/// <c>"&lt;first 60 chars&gt;...(N chars)"</c>, see <see cref="Expand"/>.
/// </summary>
public static partial class Captures
{
    public static IReadOnlyList<CapturedExchange> Read(string name)
    {
        var text = File.ReadAllText(SharedData.Path("spec", "captures", name));
        var sections = Heading().Split(text);
        var headings = Heading().Matches(text);
        var result = new List<CapturedExchange>();
        for (var i = 0; i < headings.Count; i++)
        {
            var h = headings[i].Groups;
            var body = sections[(i * 5) + 5];
            var blocks = JsonBlock().Matches(body).Select(m => m.Groups[1].Value).ToList();
            var hasRequestBody = body.IndexOf("```json", StringComparison.Ordinal) < body.IndexOf("response headers", StringComparison.Ordinal);
            var requestHeaders = RequestHeaders().Match(body).Groups[1].Value;
            result.Add(new CapturedExchange(
                int.Parse(h[1].Value),
                h[2].Value,
                h[3].Value,
                int.Parse(h[4].Value),
                (JsonObject)JsonNode.Parse(requestHeaders)!,
                hasRequestBody ? blocks[0] : null,
                blocks.Count > (hasRequestBody ? 1 : 0) ? blocks[^1] : null));
        }

        return result;
    }

    public static CapturedExchange Exchange(string name, int index) => Read(name).Single(e => e.Index == index);

    /// <summary>
    /// Replaces the shortened value <c>"ABC...(N chars)"</c> whose N is the length of <paramref name="full"/>
    /// (a real value of the same kind and size, e.g. another RSA-2048 AK from tpm-vectors).
    /// </summary>
    public static string Expand(string json, string full)
    {
        var m = Shortened().Match(json);
        while (m.Success)
        {
            if (full.Length == int.Parse(m.Groups[2].Value))
            {
                return json.Replace(m.Value, full, StringComparison.Ordinal);
            }

            m = m.NextMatch();
        }

        throw new InvalidOperationException($"no shortened value of length {full.Length} in the capture");
    }

    [GeneratedRegex(@"^## (\d+)\. (\w+) (\S+) -> (\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"```json\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex(@"request headers: `(\{.*?\})`")]
    private static partial Regex RequestHeaders();

    [GeneratedRegex(@"([A-Za-z0-9+/=]{20,})\.\.\.\((\d+) chars\)")]
    private static partial Regex Shortened();
}
