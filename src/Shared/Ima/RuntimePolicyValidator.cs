using System.Text;
using System.Text.Json;

namespace Keylime.Shared.Ima;

/// <summary>Result of checking an uploaded runtime policy: the errors (JSON-pointer-ish path + reason) or the document.</summary>
public sealed record RuntimePolicyValidation(IReadOnlyList<string> Errors, RuntimePolicyDocument? Document)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// Upload-time check of a runtime policy against the schema Keylime's code enforces (spec §2.2),
/// plus what Keylime forgets to check: the exclude regexes must compile [quirk: Keylime reads the
/// legacy key <c>exclude</c> and never validates them] and verification keys must be usable keys.
/// A DSSE envelope (<c>payloadType</c>/<c>payload</c>/<c>signatures</c>) is unwrapped and its payload
/// checked; verifying the envelope's signature is the caller's business.
/// </summary>
public static class RuntimePolicyValidator
{
    private static readonly string[] Required = ["meta", "release", "digests", "excludes", "keyrings", "ima", "ima-buf", "verification-keys"];

    public static RuntimePolicyValidation Validate(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return new RuntimePolicyValidation([$"/: not JSON ({e.Message})"], null);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (TryUnwrapDsse(root, out var payload))
            {
                return payload is null ? new RuntimePolicyValidation(["/payload: not base64 JSON"], null) : Validate(payload);
            }

            var errors = new List<string>();
            CheckRoot(root, errors);
            if (errors.Count > 0)
            {
                return new RuntimePolicyValidation(errors, null);
            }

            var document = RuntimePolicyDocument.Parse(root);
            var compiled = RuntimePolicy.Compile(document);
            if (!compiled.Succeeded)
            {
                errors.Add("/: " + compiled.Error);
            }

            return new RuntimePolicyValidation(errors, errors.Count == 0 ? document : null);
        }
    }

    private static bool TryUnwrapDsse(JsonElement root, out string? payload)
    {
        payload = null;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("payload", out var p) || !root.TryGetProperty("signatures", out _))
        {
            return false;
        }

        if (p.ValueKind == JsonValueKind.String && p.TryGetBytesFromBase64(out var bytes))
        {
            payload = Encoding.UTF8.GetString(bytes);
        }

        return true;
    }

    private static void CheckRoot(JsonElement root, List<string> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("/: a runtime policy is a JSON object");
            return;
        }

        foreach (var key in Required)
        {
            if (!root.TryGetProperty(key, out _))
            {
                errors.Add($"/{key}: required");
            }
        }

        if (root.TryGetProperty("meta", out var meta))
        {
            CheckMeta(meta, errors);
        }

        if (root.TryGetProperty("release", out var release) && !(release.TryGetInt64(out var r) && r >= 0))
        {
            errors.Add("/release: must be an integer >= 0");
        }

        foreach (var map in (string[])["digests", "keyrings", "ima-buf"])
        {
            if (root.TryGetProperty(map, out var value))
            {
                CheckDigestMap(map, value, errors);
            }
        }

        if (root.TryGetProperty("excludes", out var excludes))
        {
            CheckStrings("/excludes", excludes, errors);
        }

        if (root.TryGetProperty("ima", out var ima))
        {
            CheckIma(ima, errors);
        }

        if (root.TryGetProperty("verification-keys", out var keys))
        {
            CheckVerificationKeys(keys, errors);
        }
    }

    private static void CheckMeta(JsonElement meta, List<string> errors)
    {
        if (meta.ValueKind != JsonValueKind.Object)
        {
            errors.Add("/meta: must be an object");
            return;
        }

        if (!meta.TryGetProperty("version", out var v) || !(v.TryGetInt32(out var version) && version >= 0))
        {
            errors.Add("/meta/version: required integer >= 0");
        }

        if (!meta.TryGetProperty("generator", out var g) || !(g.TryGetInt32(out var gen) && gen is >= 0 and <= 3))
        {
            errors.Add("/meta/generator: required integer 0..3");
        }

        if (meta.TryGetProperty("timestamp", out var t) && t.ValueKind != JsonValueKind.String)
        {
            errors.Add("/meta/timestamp: must be a string");
        }
    }

    private static void CheckDigestMap(string name, JsonElement map, List<string> errors)
    {
        if (map.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"/{name}: must be an object");
            return;
        }

        foreach (var entry in map.EnumerateObject())
        {
            var pointer = $"/{name}/{entry.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}";
            if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value.GetArrayLength() == 0)
            {
                errors.Add($"{pointer}: must be a non-empty array of digests");
                continue;
            }

            foreach (var digest in entry.Value.EnumerateArray())
            {
                if (digest.ValueKind != JsonValueKind.String || !IsLowerHexDigest(digest.GetString()!))
                {
                    errors.Add($"{pointer}: {digest.GetRawText()} is not a lowercase hex digest of 40 to 128 characters");
                }
            }
        }
    }

    private static bool IsLowerHexDigest(string value) =>
        value.Length is >= 40 and <= 128 && !value.AsSpan().ContainsAnyExcept(LowerHex);

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static void CheckStrings(string pointer, JsonElement array, List<string> errors)
    {
        if (array.ValueKind != JsonValueKind.Array || array.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            errors.Add($"{pointer}: must be an array of strings");
        }
    }

    private static void CheckIma(JsonElement ima, List<string> errors)
    {
        if (ima.ValueKind != JsonValueKind.Object)
        {
            errors.Add("/ima: must be an object");
            return;
        }

        if (ima.TryGetProperty("ignored_keyrings", out var ignored))
        {
            CheckStrings("/ima/ignored_keyrings", ignored, errors);
        }
        else
        {
            errors.Add("/ima/ignored_keyrings: required");
        }

        if (!ima.TryGetProperty("log_hash_alg", out var alg) || alg.ValueKind != JsonValueKind.String
            || !ImaHashAlgorithms.TryParse(alg.GetString(), out _))
        {
            errors.Add("/ima/log_hash_alg: required, one of sha1, sha256, sha384, sha512");
        }

        // dm_policy must be null: device-mapper validation is unreachable in Keylime too.
        if (!ima.TryGetProperty("dm_policy", out var dm) || dm.ValueKind != JsonValueKind.Null)
        {
            errors.Add("/ima/dm_policy: required and must be null");
        }
    }

    private static void CheckVerificationKeys(JsonElement keys, List<string> errors)
    {
        if (keys.ValueKind != JsonValueKind.String)
        {
            errors.Add("/verification-keys: must be a string (keyring JSON or empty)");
            return;
        }

        var text = keys.GetString()!;
        if (text.Length == 0)
        {
            return;
        }

        try
        {
            using var ring = JsonDocument.Parse(text);
            var root = ring.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("keyids", out var ids) || ids.ValueKind != JsonValueKind.Array
                || ids.EnumerateArray().Any(i => !i.TryGetUInt32(out _)))
            {
                errors.Add("/verification-keys: keyring needs \"keyids\", an array of integers");
            }
        }
        catch (JsonException e)
        {
            errors.Add($"/verification-keys: not JSON ({e.Message})");
        }
    }
}
