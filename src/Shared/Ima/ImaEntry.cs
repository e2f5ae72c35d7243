namespace Keylime.Shared.Ima;

/// <summary>The IMA templates Keylime understands (spec §1.2); anything else is a parse error.</summary>
public enum ImaTemplate
{
    /// <summary>Legacy <c>ima</c>: SHA-1/MD5 digest without algorithm prefix, name padded to 256 bytes.</summary>
    Ima,
    ImaNg,
    ImaSig,
    ImaBuf,
}

/// <summary>
/// One parsed line of the ASCII log, as views into the line (no copies). Hex fields are still
/// text; <see cref="ImaLineParser"/> validates their shape, and the decoder turns them into bytes.
/// </summary>
public readonly ref struct ImaEntry
{
    public ImaEntry(
        ReadOnlySpan<char> pcr,
        ReadOnlySpan<char> templateHashHex,
        ImaTemplate template,
        ReadOnlySpan<char> digestAlgorithm,
        ReadOnlySpan<char> digestHex,
        ReadOnlySpan<char> name,
        ReadOnlySpan<char> extraHex)
    {
        Pcr = pcr;
        TemplateHashHex = templateHashHex;
        Template = template;
        DigestAlgorithm = digestAlgorithm;
        DigestHex = digestHex;
        Name = name;
        ExtraHex = extraHex;
    }

    /// <summary>First column; must read <c>10</c> (IMA_PCR).</summary>
    public ReadOnlySpan<char> Pcr { get; }

    public ReadOnlySpan<char> TemplateHashHex { get; }

    public ImaTemplate Template { get; }

    /// <summary><c>sha256</c> etc.; for the legacy template the inferred name (<c>sha1</c> or <c>md5</c>).</summary>
    public ReadOnlySpan<char> DigestAlgorithm { get; }

    public ReadOnlySpan<char> DigestHex { get; }

    /// <summary>The file path, or for <c>ima-buf</c> the buffer's name (keyring or critical-data label).</summary>
    public ReadOnlySpan<char> Name { get; }

    /// <summary><c>ima-sig</c>: signature hex (may be empty); <c>ima-buf</c>: buffer hex; else empty.</summary>
    public ReadOnlySpan<char> ExtraHex { get; }

    public bool IsPcr10 => Pcr.SequenceEqual("10");
}

/// <summary>File-digest algorithms a log line may name, with their sizes.</summary>
internal static class ImaDigestAlgorithms
{
    /// <summary>
    /// Size of a known file-digest algorithm, or 0. [quirk] Keylime takes the name verbatim and never
    /// checks it; we refuse names we cannot size or hash (sm3_256, streebog, anything unknown) with a
    /// parse error naming the algorithm, so such logs fail with a clear reason instead of a confusing
    /// template-hash mismatch later. The length of the digest must match the algorithm.
    /// </summary>
    public static int SizeOf(ReadOnlySpan<char> name) => name switch
    {
        "md5" => 16,
        "sha1" => 20,
        "sha224" => 28,
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => 0,
    };
}
