namespace Keylime.Shared.Tpm;

/// <summary>
/// Keylime's quote string <c>r&lt;b64 TPMS_ATTEST&gt;:&lt;b64 TPMT_SIGNATURE&gt;:&lt;b64 PCR blob&gt;</c>
/// (spec/tpm.md §3.11), and the same three parts as push-model evidence
/// (<c>message</c>, <c>signature</c>, <c>subject_data</c>).
/// </summary>
public sealed record KeylimeQuote(byte[] Message, byte[] Signature, byte[] PcrBlob)
{
    /// <summary>Parses <c>r…:…:…</c>; the compressed <c>c</c> form is refused (no agent sends it).</summary>
    public static KeylimeQuote Parse(string quote)
    {
        ArgumentNullException.ThrowIfNull(quote);
        if (quote.Length == 0 || quote[0] != 'r')
        {
            throw new TpmFormatException(quote.StartsWith('c')
                ? "compressed Keylime quotes are not supported"
                : "a Keylime quote starts with 'r'");
        }

        var parts = quote[1..].Split(':');
        if (parts.Length != 3)
        {
            throw new TpmFormatException($"a Keylime quote has 3 ':'-separated parts, not {parts.Length}");
        }

        return new KeylimeQuote(Base64(parts[0], "message"), Base64(parts[1], "signature"), Base64(parts[2], "PCR blob"));
    }

    /// <summary>Push-model evidence: base64 <c>message</c>, <c>signature</c> and <c>subject_data</c>.</summary>
    public static KeylimeQuote FromEvidence(string message, string signature, string subjectData) =>
        new(Base64(message, "message"), Base64(signature, "signature"), Base64(subjectData, "subject_data"));

    public override string ToString() =>
        $"r{Convert.ToBase64String(Message)}:{Convert.ToBase64String(Signature)}:{Convert.ToBase64String(PcrBlob)}";

    private static byte[] Base64(string value, string what)
    {
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException e)
        {
            throw new TpmFormatException($"quote {what} is not base64", e);
        }
    }
}
