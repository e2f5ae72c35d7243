using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Keylime.Verifier.Verification;

/// <summary>
/// An enrollment's <c>tpm_policy</c> as PCR → allowed lowercase hex values (the "mask" is ignored in
/// push mode; PCRs with an empty list are not required, spec §13). Parsed once per distinct text.
/// </summary>
public static class PcrPolicy
{
    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<int, string[]>> Cache = new(StringComparer.Ordinal);

    public static IReadOnlyDictionary<int, string[]> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new Dictionary<int, string[]>();
        }

        if (Cache.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var parsed = ParseUncached(text);
        if (Cache.Count > 4096)
        {
            Cache.Clear();
        }

        Cache[text] = parsed;
        return parsed;
    }

    private static Dictionary<int, string[]> ParseUncached(string text)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.String)
        {
            return ParseUncached(root.GetString()!);
        }

        var result = new Dictionary<int, string[]>();
        foreach (var property in root.EnumerateObject())
        {
            if (!int.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var pcr))
            {
                continue;
            }

            var values = property.Value.ValueKind == JsonValueKind.Array
                ? property.Value.EnumerateArray().Select(v => Normalize(v.GetString())).ToArray()
                : [Normalize(property.Value.GetString())];
            values = values.Where(v => v.Length > 0).ToArray();
            if (values.Length > 0)
            {
                result[pcr] = values;
            }
        }

        return result;
    }

    private static string Normalize(string? value)
    {
        var text = (value ?? "").Trim().ToLowerInvariant();
        return text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text;
    }
}
