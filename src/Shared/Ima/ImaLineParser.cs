namespace Keylime.Shared.Ima;

/// <summary>
/// Splits one ASCII measurement line into its fields (spec §1.2) without allocating. A failure
/// returns a static reason; callers add the line number.
/// </summary>
public static class ImaLineParser
{
    public static bool TryParse(ReadOnlySpan<char> line, out ImaEntry entry, out string? error)
    {
        entry = default;
        var spaces = new SpaceScanner(line);
        if (!spaces.TrySplit(out var pcr) || !spaces.TrySplit(out var templateHash) || !spaces.TrySplit(out var templateName))
        {
            error = "fewer than 4 space-separated fields";
            return false;
        }

        if (!IsHex(templateHash) || templateHash.Length == 0)
        {
            error = "template hash is not hex";
            return false;
        }

        return templateName switch
        {
            "ima" => TryParseLegacy(pcr, templateHash, ref spaces, out entry, out error),
            "ima-ng" => TryParseNg(pcr, templateHash, ImaTemplate.ImaNg, ref spaces, out entry, out error),
            "ima-sig" => TryParseNg(pcr, templateHash, ImaTemplate.ImaSig, ref spaces, out entry, out error),
            "ima-buf" => TryParseNg(pcr, templateHash, ImaTemplate.ImaBuf, ref spaces, out entry, out error),
            _ => Fail(out entry, out error, "unsupported template (only ima, ima-ng, ima-sig and ima-buf are supported)"),
        };
    }

    private static bool TryParseLegacy(
        ReadOnlySpan<char> pcr, ReadOnlySpan<char> templateHash, scoped ref SpaceScanner spaces, out ImaEntry entry, out string? error)
    {
        if (!spaces.TrySplit(out var digest))
        {
            return Fail(out entry, out error, "ima template needs a digest and a name");
        }

        // Legacy digests carry no algorithm: 20 bytes is SHA-1, 16 bytes MD5 (spec §1.2).
        var alg = digest.Length switch { 40 => "sha1", 32 => "md5", _ => null };
        if (alg is null || !IsHex(digest))
        {
            return Fail(out entry, out error, "ima template digest must be 20 (SHA-1) or 16 (MD5) bytes of hex");
        }

        entry = new ImaEntry(pcr, templateHash, ImaTemplate.Ima, alg, digest, spaces.Rest, default);
        error = null;
        return true;
    }

    private static bool TryParseNg(
        ReadOnlySpan<char> pcr, ReadOnlySpan<char> templateHash, ImaTemplate template, scoped ref SpaceScanner spaces,
        out ImaEntry entry, out string? error)
    {
        ReadOnlySpan<char> digestToken;
        ReadOnlySpan<char> name;
        ReadOnlySpan<char> extra = default;
        if (template == ImaTemplate.ImaNg)
        {
            if (!spaces.TrySplit(out digestToken))
            {
                return Fail(out entry, out error, "ima-ng needs a digest and a name");
            }

            name = spaces.Rest;
        }
        else
        {
            // Three fields; the kernel prints the separating space even when the last one is empty.
            if (!spaces.TrySplit(out digestToken) || !spaces.TrySplit(out name))
            {
                return Fail(out entry, out error, template == ImaTemplate.ImaSig
                    ? "ima-sig needs a digest, a name and a (possibly empty) signature"
                    : "ima-buf needs a digest, a name and a buffer");
            }

            extra = spaces.Rest;
            if (!IsHex(extra))
            {
                return Fail(out entry, out error, template == ImaTemplate.ImaSig ? "signature is not hex" : "buffer is not hex");
            }
        }

        var colon = digestToken.IndexOf(':');
        if (colon < 0)
        {
            return Fail(out entry, out error, "digest must read <algorithm>:<hex>");
        }

        var alg = digestToken[..colon];
        var hex = digestToken[(colon + 1)..];
        var size = ImaDigestAlgorithms.SizeOf(alg);
        if (size == 0)
        {
            return Fail(out entry, out error, "unsupported file digest algorithm (supported: md5, sha1, sha224, sha256, sha384, sha512)");
        }

        if (hex.Length != size * 2 || !IsHex(hex))
        {
            return Fail(out entry, out error, "file digest length does not match its algorithm");
        }

        entry = new ImaEntry(pcr, templateHash, template, alg, hex, name, extra);
        error = null;
        return true;
    }

    internal static bool IsHex(ReadOnlySpan<char> text) =>
        (text.Length & 1) == 0 && !text.ContainsAnyExcept(HexChars);

    private static readonly System.Buffers.SearchValues<char> HexChars =
        System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static bool Fail(out ImaEntry entry, out string? error, string reason)
    {
        entry = default;
        error = reason;
        return false;
    }
}
