using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Keylime.Registrar.Agents;

/// <summary>Decoders for the registration fields (spec/registrar.md §5.1). Failures are values, never exceptions.</summary>
public static class FieldDecoding
{
    /// <summary>
    /// Binary field: strict base64 first, then (a Keylime quirk kept for old clients) a hex string
    /// with optional <c>0x</c>. Empty string or JSON null ⇒ null.
    /// </summary>
    public static Field<byte[]> Binary(JsonElement value, string name)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return Field.Null<byte[]>();
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return Field.Invalid<byte[]>($"{name} must be a string");
        }

        var text = value.GetString()!;
        if (text.Length == 0)
        {
            return Field.Null<byte[]>();
        }

        if (TryBase64(text, out var bytes))
        {
            return Field.Of<byte[]>(bytes);
        }

        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (hex.Length > 0 && hex.Length % 2 == 0)
        {
            try
            {
                return Field.Of<byte[]>(Convert.FromHexString(hex));
            }
            catch (FormatException)
            {
            }
        }

        return Field.Invalid<byte[]>($"{name} is neither base64 nor hex");
    }

    /// <summary>
    /// Certificate field: PEM text (only the first block counts: the Rust agent appends the EK CA
    /// chain after the EK certificate) or base64/hex DER. The result is the DER of a parseable X.509
    /// certificate, original bytes kept (its signature must stay verifiable).
    /// </summary>
    public static Field<byte[]> Certificate(JsonElement value, string name)
    {
        if (value.ValueKind == JsonValueKind.String && value.GetString()!.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            var text = value.GetString()!;
            return PemEncoding.TryFind(text, out var fields) && text[fields.Label].Equals("CERTIFICATE", StringComparison.Ordinal)
                && TryBase64(text[fields.Base64Data], out var pemDer)
                ? Parsed(pemDer, name)
                : Field.Invalid<byte[]>($"{name} holds no PEM certificate");
        }

        var raw = Binary(value, name);
        return raw.HasValue ? Parsed(raw.Value!, name) : raw;
    }

    /// <summary><c>mtls_cert</c>: a certificate, or the literal <c>disabled</c> (any case) stored as <c>disabled</c>.</summary>
    public static Field<string> MtlsCertificate(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String && string.Equals(value.GetString(), "disabled", StringComparison.OrdinalIgnoreCase))
        {
            return Field.Of<string>("disabled");
        }

        var cert = Certificate(value, "mtls_cert");
        return cert.Error is not null ? Field.Invalid<string>(cert.Error)
            : cert.Value is null ? Field.Null<string>()
            : Field.Of<string>(Convert.ToBase64String(cert.Value));
    }

    /// <summary>Contact address: a string up to 255 characters (IPv6 and host names fit, unlike Keylime's VARCHAR(15)).</summary>
    public static Field<string> Text(JsonElement value, string name, int maxLength = 255) => value.ValueKind switch
    {
        JsonValueKind.Null => Field.Null<string>(),
        JsonValueKind.String when value.GetString()!.Length == 0 => Field.Null<string>(),
        JsonValueKind.String when value.GetString()!.Length <= maxLength => Field.Of<string>(value.GetString()!),
        JsonValueKind.String => Field.Invalid<string>($"{name} is longer than {maxLength} characters"),
        _ => Field.Invalid<string>($"{name} must be a string"),
    };

    /// <summary>Contact port: a JSON integer or a numeric string, 0–65535.</summary>
    public static Field<int?> Port(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString(),
            _ => null,
        };
        if (value.ValueKind == JsonValueKind.Null || (value.ValueKind == JsonValueKind.String && text!.Length == 0))
        {
            return Field.Null<int?>();
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? Field.Of<int?>(port)
            : Field.Invalid<int?>("port must be an integer between 0 and 65535");
    }

    private static Field<byte[]> Parsed(byte[] der, string name)
    {
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return Field.Of<byte[]>(der);
        }
        catch (CryptographicException)
        {
            return Field.Invalid<byte[]>($"{name} is not an X.509 certificate");
        }
    }

    private static bool TryBase64(ReadOnlySpan<char> text, out byte[] bytes)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64Chars(text, buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }
}
