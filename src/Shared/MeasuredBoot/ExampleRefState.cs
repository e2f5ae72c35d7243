using System.Buffers;
using System.Text.Json;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>A reference digest: algorithm name → lowercase hex without <c>0x</c>.</summary>
public sealed record RefDigest(IReadOnlyDictionary<string, string> ByAlgorithm)
{
    /// <summary>Keylime's DigestTest: some event digest whose algorithm is listed equals the listed value.</summary>
    public bool Matches(TcgEvent e) =>
        e.Digests.Any(d => ByAlgorithm.TryGetValue(d.AlgorithmName, out var hex) && hex == Convert.ToHexStringLower(d.Digest));

    public override string ToString() => string.Join(",", ByAlgorithm.Select(kv => $"{kv.Key}:{kv.Value}"));
}

public sealed record RefKernel(string Shim, string Grub, string? Kernel, string? Vmlinuz, string Initrd, string KernelCmdline);

public sealed record RefScrtmAndBios(RefDigest Scrtm, IReadOnlyList<RefDigest> PlatformFirmware);

/// <summary>
/// The reference state the <c>example</c> policy reads (spec §3.7), validated as Keylime does:
/// every <c>0x</c> value lowercase hex, <c>kernels</c> and <c>scrtm_and_bios</c> lists, the key and
/// MOK lists present. Throws <see cref="FormatException"/> naming the problem.
/// </summary>
public sealed record ExampleRefState(
    bool HasSecureBoot,
    IReadOnlyList<RefKernel> Kernels,
    IReadOnlyList<RefScrtmAndBios> ScrtmAndBios,
    IReadOnlyList<UefiSignature> Pk,
    IReadOnlyList<UefiSignature> Kek,
    IReadOnlyList<UefiSignature> Db,
    IReadOnlyList<UefiSignature> Dbx,
    IReadOnlyList<UefiSignature> VendorDb,
    IReadOnlyList<RefDigest> MokDig,
    IReadOnlyList<RefDigest> MokxDig)
{
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    public static ExampleRefState Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the reference state must be a JSON object");
        }

        var secureBoot = !root.TryGetProperty("has_secureboot", out var sb) || sb.ValueKind != JsonValueKind.False;
        if (!root.TryGetProperty("kernels", out var kernels) || kernels.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("refstate['kernels'] is not a list");
        }

        if (!root.TryGetProperty("scrtm_and_bios", out var scrtm) || scrtm.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("refstate['scrtm_and_bios'] is missing or not a list");
        }

        foreach (var required in (string[])["pk", "kek", "db", "dbx", "mokdig", "mokxdig"])
        {
            if (!root.TryGetProperty(required, out _))
            {
                throw new FormatException($"refstate lacks {required}");
            }
        }

        return new ExampleRefState(
            secureBoot,
            kernels.EnumerateArray().Select(k => Kernel(k, secureBoot)).ToList(),
            scrtm.EnumerateArray().Select(ScrtmEntry).ToList(),
            Keys(root, "pk"), Keys(root, "kek"), Keys(root, "db"), Keys(root, "dbx"), Keys(root, "vendor_db"),
            Digests(root, "mokdig"), Digests(root, "mokxdig"));
    }

    private static RefKernel Kernel(JsonElement k, bool secureBoot)
    {
        var cmdline = k.ValueKind == JsonValueKind.Object && k.TryGetProperty("kernel_cmdline", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString()!
            : throw new FormatException("a kernels entry lacks kernel_cmdline (a string)");
        return new RefKernel(
            Hex(k, "shim_authcode_sha256"), Hex(k, "grub_authcode_sha256"),
            secureBoot ? Hex(k, "kernel_authcode_sha256") : null,
            secureBoot ? null : Hex(k, "vmlinuz_plain_sha256"),
            Hex(k, "initrd_plain_sha256"), cmdline);
    }

    private static RefScrtmAndBios ScrtmEntry(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("scrtm", out var scrtm)
            || !e.TryGetProperty("platform_firmware", out var firmware) || firmware.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("a scrtm_and_bios entry needs scrtm and a platform_firmware list");
        }

        return new RefScrtmAndBios(Digest(scrtm), firmware.EnumerateArray().Select(Digest).ToList());
    }

    private static string Hex(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var v) ? StripHex(v, name) : throw new FormatException($"a kernels entry lacks {name}");

    private static string StripHex(JsonElement value, string what)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        return IsPrefixedLowerHex(text) ? text[2..] : throw new FormatException($"{what}: '{text}' is not 0x followed by some lowercase hex digits");
    }

    /// <summary>
    /// Keylime's <c>^0x[0-9a-f]+$</c> — whose <c>$</c> also accepts one trailing newline — checked
    /// without a regex: a refstate holds hundreds of these values (dbx) and the regex dominated the
    /// policy's cost.
    /// </summary>
    private static bool IsPrefixedLowerHex(string text)
    {
        if (!text.StartsWith("0x", StringComparison.Ordinal))
        {
            return false;
        }

        var digits = text.AsSpan(2);
        if (digits.EndsWith('\n'))
        {
            digits = digits[..^1];
        }

        return !digits.IsEmpty && !digits.ContainsAnyExcept(LowerHex);
    }

    private static RefDigest Digest(JsonElement map)
    {
        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{map.GetRawText()} is not a digest map");
        }

        return new RefDigest(map.EnumerateObject().ToDictionary(p => p.Name, p => StripHex(p.Value, p.Name)));
    }

    private static List<RefDigest> Digests(JsonElement root, string name) =>
        root.GetProperty(name).ValueKind == JsonValueKind.Array
            ? root.GetProperty(name).EnumerateArray().Select(Digest).ToList()
            : throw new FormatException($"refstate['{name}'] is not a list");

    private static List<UefiSignature> Keys(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var keys))
        {
            return []; // only vendor_db is optional; the others were checked above
        }

        if (keys.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"refstate['{name}'] is not a list");
        }

        return keys.EnumerateArray().Select(k =>
            k.ValueKind == JsonValueKind.Object && k.TryGetProperty("SignatureOwner", out var owner) && owner.ValueKind == JsonValueKind.String
                && Guid.TryParse(owner.GetString(), out var guid) && k.TryGetProperty("SignatureData", out var data)
                ? new UefiSignature(guid, StripHex(data, name))
                : throw new FormatException($"refstate['{name}'] holds {k.GetRawText()}, not a {{SignatureOwner, SignatureData}} key"))
            .ToList();
    }
}
