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

        var trimmed = text.AsSpan().Trim();
        if (trimmed.Length % 4 == 0)
        {
            // The decoded size (the padding says how much the last quantum holds), so nothing is copied after; whitespace
            // inside the text, which base64 skips, only makes it shorter.
            var size = (trimmed.Length / 4 * 3) - (trimmed.EndsWith("==") ? 2 : trimmed.EndsWith("=") ? 1 : 0);
            var buffer = new byte[size];
            if (Convert.TryFromBase64Chars(trimmed, buffer, out var written))
            {
                bytes = written == size ? buffer : buffer[..written];
                return true;
            }
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
