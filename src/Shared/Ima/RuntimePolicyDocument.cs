using System.Text;
using System.Text.Json;

namespace Keylime.Shared.Ima;

/// <summary>
/// A Keylime runtime policy (format meta.version 1, spec §2.1) as plain data: what is uploaded,
/// stored and converted. <see cref="RuntimePolicy"/> compiles it for evaluation and
/// <see cref="RuntimePolicyValidator"/> checks the schema at upload time.
/// </summary>
public sealed record RuntimePolicyDocument
{
    public int MetaVersion { get; set; } = 1;

    /// <summary>0 Unknown, 1 EmptyAllowList, 2 CompatibleAllowList, 3 LegacyAllowList. ≤ 1 means "no runtime policy".</summary>
    public int Generator { get; set; } = 1;

    public string? Timestamp { get; set; }

    public long Release { get; set; }

    public Dictionary<string, List<string>> Digests { get; init; } = new(StringComparer.Ordinal);

    public List<string> Excludes { get; init; } = [];

    public Dictionary<string, List<string>> Keyrings { get; init; } = new(StringComparer.Ordinal);

    public List<string> IgnoredKeyrings { get; init; } = [];

    public string LogHashAlg { get; set; } = "sha1";

    public Dictionary<string, List<string>> ImaBuf { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Keyring JSON text (<see cref="ImaKeyring"/>) or empty.</summary>
    public string VerificationKeys { get; set; } = "";

    public const int GeneratorEmptyAllowList = 1;
    public const int GeneratorCompatibleAllowList = 2;
    public const int GeneratorLegacyAllowList = 3;

    /// <summary>Keylime's empty policy (generator 1): no runtime policy at all.</summary>
    public static RuntimePolicyDocument Empty() => new();

    /// <summary>Adds <paramref name="digest"/> under <paramref name="key"/> unless already listed.</summary>
    public static void AddDigest(Dictionary<string, List<string>> map, string key, string digest)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        if (!list.Contains(digest))
        {
            list.Add(digest);
        }
    }

    /// <summary>
    /// Reads the policy's data leniently (types must fit; string patterns are the validator's job,
    /// so older stored policies with e.g. <c>sha256:</c>-prefixed digests still load).
    /// Throws <see cref="FormatException"/> naming the offending key.
    /// </summary>
    public static RuntimePolicyDocument Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Parse(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new FormatException($"runtime policy is not JSON: {e.Message}", e);
        }
    }

    public static RuntimePolicyDocument Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("runtime policy must be a JSON object");
        }

        var policy = new RuntimePolicyDocument();
        if (root.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            policy.MetaVersion = meta.TryGetProperty("version", out var v) && v.TryGetInt32(out var version) ? version : 0;
            policy.Generator = meta.TryGetProperty("generator", out var g) && g.TryGetInt32(out var gen) ? gen : 0;
            policy.Timestamp = meta.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }

        policy.Release = root.TryGetProperty("release", out var r) && r.TryGetInt64(out var release) ? release : 0;
        ReadMap(root, "digests", policy.Digests);
        ReadMap(root, "keyrings", policy.Keyrings);
        ReadMap(root, "ima-buf", policy.ImaBuf);
        policy.Excludes.AddRange(ReadStrings(root, "excludes"));
        if (root.TryGetProperty("ima", out var ima) && ima.ValueKind == JsonValueKind.Object)
        {
            policy.IgnoredKeyrings.AddRange(ReadStrings(ima, "ignored_keyrings"));
            if (ima.TryGetProperty("log_hash_alg", out var alg) && alg.ValueKind == JsonValueKind.String)
            {
                policy.LogHashAlg = alg.GetString()!;
            }
        }

        if (root.TryGetProperty("verification-keys", out var keys) && keys.ValueKind == JsonValueKind.String)
        {
            policy.VerificationKeys = keys.GetString()!;
        }

        return policy;
    }

    private static void ReadMap(JsonElement root, string name, Dictionary<string, List<string>> into)
    {
        if (!root.TryGetProperty(name, out var map) || map.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"\"{name}\" must be an object of arrays");
        }

        foreach (var entry in map.EnumerateObject())
        {
            into[entry.Name] = ReadStrings(map, entry.Name);
        }
    }

    private static List<string> ReadStrings(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array || array.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new FormatException($"\"{name}\" must be an array of strings");
        }

        return array.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    /// <summary>Serializes in Keylime's key order.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartObject("meta");
            w.WriteNumber("version", MetaVersion);
            w.WriteNumber("generator", Generator);
            if (Timestamp is not null)
            {
                w.WriteString("timestamp", Timestamp);
            }

            w.WriteEndObject();
            w.WriteNumber("release", Release);
            WriteMap(w, "digests", Digests);
            WriteStrings(w, "excludes", Excludes);
            WriteMap(w, "keyrings", Keyrings);
            w.WriteStartObject("ima");
            WriteStrings(w, "ignored_keyrings", IgnoredKeyrings);
            w.WriteString("log_hash_alg", LogHashAlg);
            w.WriteNull("dm_policy");
            w.WriteEndObject();
            WriteMap(w, "ima-buf", ImaBuf);
            w.WriteString("verification-keys", VerificationKeys);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteMap(Utf8JsonWriter w, string name, Dictionary<string, List<string>> map)
    {
        w.WriteStartObject(name);
        foreach (var (key, values) in map)
        {
            WriteStrings(w, key, values);
        }

        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, List<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }
}
