using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keylime.Tenant.Output;

/// <summary>
/// Writes JSON byte for byte as Python's <c>json.dumps</c> with its defaults (separators <c>", "</c>
/// and <c>": "</c>, <c>ensure_ascii</c>, float <c>repr</c>). Keylime's tenant builds every request body
/// and nested JSON string (<c>tpm_policy</c>, <c>metadata</c>, the measured-boot policy) that way, and
/// the verifier stores those strings verbatim, so matching the spelling keeps our enrollments
/// indistinguishable from the Python tenant's. System.Text.Json cannot produce this spelling, hence
/// a small writer over <see cref="JsonNode"/> (no reflection).
/// </summary>
public static class PythonJson
{
    /// <summary>The <c>json.dumps</c> text of a node (null → <c>null</c>).</summary>
    public static string Dumps(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    /// <summary>
    /// Parses JSON as Python's <c>json.loads</c> does: object keys keep the position of their first
    /// occurrence and the value of their last (a dict), numbers keep their text.
    /// </summary>
    public static JsonNode? Loads(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = true });
        return FromElement(doc.RootElement);
    }

    private static JsonNode? FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ObjectFrom(element),
        JsonValueKind.Array => new JsonArray(element.EnumerateArray().Select(FromElement).ToArray()),
        JsonValueKind.Null => null,
        _ => JsonValue.Create(element.Clone()),
    };

    private static JsonObject ObjectFrom(JsonElement element)
    {
        var obj = new JsonObject();
        foreach (var property in element.EnumerateObject())
        {
            obj[property.Name] = FromElement(property.Value); // replaces in place, like a dict
        }

        return obj;
    }

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                WriteObject(sb, obj);
                break;
            case JsonArray array:
                sb.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Write(sb, array[i]);
                }

                sb.Append(']');
                break;
            default:
                WriteValue(sb, node);
                break;
        }
    }

    private static void WriteObject(StringBuilder sb, JsonObject obj)
    {
        sb.Append('{');
        var first = true;
        foreach (var (key, value) in obj)
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            WriteString(sb, key);
            sb.Append(": ");
            Write(sb, value);
        }

        sb.Append('}');
    }

    private static void WriteValue(StringBuilder sb, JsonNode node)
    {
        switch (node.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(sb, node.GetValue<string>());
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Null:
                sb.Append("null");
                break;
            case JsonValueKind.Number:
                sb.Append(Number(node.ToJsonString()));
                break;
            default:
                throw new InvalidOperationException($"unexpected JSON value kind {node.GetValueKind()}");
        }
    }

    /// <summary>Python's spelling of a number read from JSON text: ints stay exact, floats use <c>repr</c>.</summary>
    public static string Number(string jsonNumber)
    {
        if (jsonNumber.AsSpan().IndexOfAny('.', 'e', 'E') < 0)
        {
            var integer = System.Numerics.BigInteger.Parse(jsonNumber, CultureInfo.InvariantCulture);
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        return FloatRepr(double.Parse(jsonNumber, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Python's <c>repr(float)</c>: the shortest round-tripping digits, positional for decimal exponents
    /// in [-4, 16), otherwise <c>d.ddde±XX</c>; a positional value always shows a fraction (<c>1.0</c>).
    /// </summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        var sign = value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : "";
        var (digits, exponent) = ShortestDigits(Math.Abs(value));
        if (exponent < -4 || exponent >= 16)
        {
            var mantissa = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
            var expSign = exponent < 0 ? "-" : "+";
            return $"{sign}{mantissa}e{expSign}{Math.Abs(exponent):00}";
        }

        if (exponent < 0)
        {
            return $"{sign}0.{new string('0', -exponent - 1)}{digits}";
        }

        var intDigits = exponent + 1;
        if (digits.Length <= intDigits)
        {
            return $"{sign}{digits}{new string('0', intDigits - digits.Length)}.0";
        }

        return $"{sign}{digits[..intDigits]}.{digits[intDigits..]}";
    }

    /// <summary>Shortest round-trip significant digits and the decimal exponent of the first one.</summary>
    private static (string Digits, int Exponent) ShortestDigits(double value)
    {
        if (value == 0)
        {
            return ("0", 0);
        }

        // "E16" would not be shortest; "R" is (since .NET Core 3.0), in either notation.
        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }

        var dot = r.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot < 0 ? r : r[..dot];
        var fracPart = dot < 0 ? "" : r[(dot + 1)..];
        var all = intPart + fracPart;
        var leadingZeros = all.Length - all.TrimStart('0').Length;
        var digits = all.Trim('0');
        if (digits.Length == 0)
        {
            return ("0", 0);
        }

        return (digits, exponent + intPart.Length - 1 - leadingZeros);
    }

    /// <summary>A string literal as <c>json.dumps(..., ensure_ascii=True)</c> spells it.</summary>
    public static void WriteString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < ' ' || c > '~')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
