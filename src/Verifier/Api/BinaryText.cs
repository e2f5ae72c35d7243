namespace Keylime.Verifier.Api;

/// <summary>
/// Binary values in JSON (spec/verifier.md §3): standard base64 first, then hex with an optional
/// <c>0x</c>. A hex string that is also valid base64 decodes as base64, as in Keylime.
/// </summary>
public static class BinaryText
{
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var buffer = new byte[trimmed.Length];
        if (trimmed.Length % 4 == 0 && Convert.TryFromBase64String(trimmed, buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }

        var hex = trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? trimmed[2..] : trimmed;
        try
        {
            bytes = Convert.FromHexString(hex);
            return bytes.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
