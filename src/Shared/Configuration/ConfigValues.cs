using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Keylime.Shared.Configuration;

/// <summary>
/// Keylime's value syntax. Each parser returns null (or false) for a value it does not accept;
/// <see cref="ConfigSection"/> turns that into a <see cref="KeylimeConfigException"/> that names
/// the file, section and key.
/// </summary>
public static class ConfigValues
{
    /// <summary>The keyword that selects a built-in path or behaviour.</summary>
    public const string Default = "default";

    /// <summary>The keyword that asks for generated material (tls_dir = generate, uuid = generate).</summary>
    public const string Generate = "generate";

    /// <summary>
    /// Keylime strips surrounding double quotes and spaces from strings
    /// (the templates write <c>ip = "127.0.0.1"</c>).
    /// </summary>
    public static string Str(string raw) => raw.Trim().Trim('"', ' ').Trim();

    /// <summary>configparser's booleans: 1/yes/true/on and 0/no/false/off, any case.</summary>
    public static bool? Bool(string raw) => Str(raw).ToLowerInvariant() switch
    {
        "1" or "yes" or "true" or "on" => true,
        "0" or "no" or "false" or "off" => false,
        _ => null,
    };

    /// <summary>A decimal integer (Python's int(): surrounding spaces and a sign allowed).</summary>
    public static long? Int(string raw) =>
        long.TryParse(Str(raw).Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : null;

    /// <summary>A real number such as <c>60.0</c> or <c>2</c> (Python's float()).</summary>
    public static double? Double(string raw) =>
        double.TryParse(Str(raw), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : null;

    /// <summary>
    /// A list: a Python/JSON list literal (<c>['a', "b"]</c>, <c>[]</c>) or a comma-separated
    /// string (<c>a, b</c>); items are stripped of quotes and spaces, empty items dropped.
    /// Returns null when a bracketed literal is malformed.
    /// </summary>
    public static IReadOnlyList<string>? List(string raw)
    {
        var text = raw.Trim();
        if (text.Length == 0)
        {
            return [];
        }

        if (text[0] != '[')
        {
            return text.Split(',').Select(Str).Where(s => s.Length > 0).ToList();
        }

        return PythonListLiteral(text);
    }

    /// <summary>A JSON document (e.g. <c>severity_policy</c>); null when it is not valid JSON.</summary>
    public static JsonElement? Json(string raw)
    {
        try
        {
            using var doc = JsonDocument.Parse(raw.Trim());
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True for the <c>default</c> keyword (or an empty value, which Keylime treats alike for paths).</summary>
    public static bool IsDefault(string value) => value.Length == 0 || value.Equals(Default, StringComparison.OrdinalIgnoreCase);

    // A flat list literal of quoted strings, numbers and True/False/None, as ast.literal_eval
    // reads it for the list options Keylime ships. Nested containers are not used by any option.
    private static List<string>? PythonListLiteral(string text)
    {
        if (text[^1] != ']')
        {
            return null;
        }

        var items = new List<string>();
        int i = 1;
        int end = text.Length - 1;
        while (true)
        {
            while (i < end && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= end)
            {
                return items;
            }

            var item = ReadItem(text, ref i, end);
            if (item is null)
            {
                return null;
            }

            items.Add(item);
            while (i < end && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i < end && text[i] != ',')
            {
                return null;
            }

            i++;
        }
    }

    private static string? ReadItem(string text, ref int i, int end)
    {
        char c = text[i];
        if (c is '\'' or '"')
        {
            var sb = new StringBuilder();
            for (i++; i < end; i++)
            {
                if (text[i] == '\\' && i + 1 < end)
                {
                    sb.Append(text[++i]);
                }
                else if (text[i] == c)
                {
                    i++;
                    return sb.ToString();
                }
                else
                {
                    sb.Append(text[i]);
                }
            }

            return null;
        }

        int start = i;
        while (i < end && text[i] != ',' && !char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        var bare = text[start..i];
        bool ok = bare is "True" or "False" or "None" || double.TryParse(bare, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        return ok ? bare : null;
    }
}
