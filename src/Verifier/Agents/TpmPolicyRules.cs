using System.Globalization;
using System.Text.Json;
using Keylime.Verifier.Api;

namespace Keylime.Verifier.Agents;

/// <summary>
/// Validates an enrollment's <c>tpm_policy</c> (spec/verifier.md §4.1): a JSON object, possibly sent
/// as a JSON string holding that object, whose keys are PCR numbers 0–23 with lists of hex digests
/// (a single string is accepted as a one-element list, as Keylime's tenant does), plus a
/// <c>mask</c> in hex. Push verification ignores the mask but a malformed one is refused, so
/// nothing unverifiable is stored.
/// </summary>
public static class TpmPolicyRules
{
    private const int PcrCount = 24;

    public static ApiFailure? Validate(string text)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text);
            root = document.RootElement.Clone();
            if (root.ValueKind == JsonValueKind.String)
            {
                using var inner = JsonDocument.Parse(root.GetString()!);
                root = inner.RootElement.Clone();
            }
        }
        catch (JsonException e)
        {
            return Invalid($"not JSON ({e.Message})");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return Invalid("must be a JSON object");
        }

        foreach (var property in root.EnumerateObject())
        {
            var failure = property.Name == "mask" ? CheckMask(property.Value) : CheckPcr(property.Name, property.Value);
            if (failure is not null)
            {
                return failure;
            }
        }

        return null;
    }

    private static ApiFailure? CheckMask(JsonElement mask)
    {
        var text = mask.ValueKind == JsonValueKind.String ? mask.GetString() ?? "" : "";
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (digits.Length is 0 or > 8
            || !uint.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            || value >> PcrCount != 0)
        {
            return Invalid($"mask {mask.GetRawText()} is not a hex PCR mask of 24 bits");
        }

        return null;
    }

    private static ApiFailure? CheckPcr(string key, JsonElement values)
    {
        if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var pcr) || pcr >= PcrCount)
        {
            return Invalid($"key '{key}' is neither 'mask' nor a PCR number 0-23");
        }

        IEnumerable<JsonElement> items = values.ValueKind switch
        {
            JsonValueKind.Array => values.EnumerateArray(),
            JsonValueKind.String => [values],
            _ => [],
        };
        if (values.ValueKind is not (JsonValueKind.Array or JsonValueKind.String))
        {
            return Invalid($"PCR {pcr} must map to a list of hex digests");
        }

        foreach (var item in items)
        {
            var hex = item.ValueKind == JsonValueKind.String ? item.GetString() ?? "" : "";
            if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                hex = hex[2..];
            }

            if (hex.Length is not (40 or 64 or 96 or 128) || !hex.All(char.IsAsciiHexDigit))
            {
                return Invalid($"PCR {pcr} value {item.GetRawText()} is not a SHA-1/256/384/512 hex digest");
            }
        }

        return null;
    }

    private static ApiFailure Invalid(string why) => ApiFailure.BadRequest($"Invalid tpm_policy: {why}", "/data/attributes/tpm_policy");
}
