using System.Globalization;
using System.Text.Json;

namespace Keylime.Shared.Ima;

/// <summary>
/// Builds runtime policies from older inputs (spec §2.6): the flat allowlist (<c>digest  path</c>
/// lines, <c>%keyring:</c> names), the JSON allowlist with <c>hashes</c>, exclude lists, and an
/// IMA log itself (a policy that allows exactly what the log measured).
/// </summary>
public static class RuntimePolicyConverter
{
    private const string KeyringPrefix = "%keyring:";

    /// <summary>
    /// Converts an allowlist (flat text or JSON, detected by a leading <c>{</c>) and an optional
    /// exclude list. Throws <see cref="FormatException"/> for a JSON allowlist that already is a
    /// runtime policy (has <c>digests</c>) or is not an object.
    /// </summary>
    public static RuntimePolicyDocument FromAllowlist(string allowlist, string? excludelist, TimeProvider time)
    {
        var policy = allowlist.TrimStart().StartsWith('{') ? FromJsonAllowlist(allowlist) : FromFlatAllowlist(allowlist);
        if (excludelist is not null)
        {
            AddExcludes(policy, excludelist);
        }

        policy.MetaVersion = 1;
        policy.Generator = RuntimePolicyDocument.GeneratorLegacyAllowList;
        policy.Timestamp = PythonTimestamp(time);
        return policy;
    }

    /// <summary>
    /// One <c>&lt;digest&gt;&lt;whitespace&gt;&lt;path&gt;</c> per line; lines without two parts are skipped.
    /// Digests are copied verbatim (old files carry <c>sha256:</c> prefixes, which the schema then
    /// rejects: the caller should validate the result, as Keylime's output can be schema-invalid).
    /// </summary>
    public static RuntimePolicyDocument FromFlatAllowlist(string text)
    {
        var policy = RuntimePolicyDocument.Empty();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var split = line.IndexOfAny([' ', '\t']);
            if (split <= 0)
            {
                continue;
            }

            var digest = line[..split];
            var path = line[split..].TrimStart();
            if (path.Length == 0)
            {
                continue;
            }

            if (path.StartsWith(KeyringPrefix, StringComparison.Ordinal))
            {
                RuntimePolicyDocument.AddDigest(policy.Keyrings, path[KeyringPrefix.Length..], digest);
            }
            else
            {
                RuntimePolicyDocument.AddDigest(policy.Digests, path, digest);
            }
        }

        return policy;
    }

    /// <summary>
    /// Old JSON allowlist: <c>hashes</c> become <c>digests</c>; <c>keyrings</c>, <c>excludes</c>,
    /// <c>ima-buf</c>, <c>ima</c> and <c>release</c> are carried over. [quirk] Keylime copies an old
    /// <c>ima</c> object whole (losing <c>dm_policy</c>, schema-invalid); we merge it over the defaults.
    /// </summary>
    public static RuntimePolicyDocument FromJsonAllowlist(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a JSON allowlist is an object");
        }

        if (root.TryGetProperty("digests", out _))
        {
            throw new FormatException("this is already a runtime policy (it has \"digests\"), not an allowlist");
        }

        // Reuse the policy reader: rename "hashes" to "digests" and read the rest as is.
        var renamed = new Dictionary<string, JsonElement>();
        foreach (var property in root.EnumerateObject())
        {
            renamed[property.Name == "hashes" ? "digests" : property.Name] = property.Value;
        }

        if (renamed.TryGetValue("meta", out var meta) && meta.ValueKind == JsonValueKind.Object && !meta.TryGetProperty("generator", out _))
        {
            renamed.Remove("meta");
        }

        var element = JsonSerializer.SerializeToElement(renamed, RuntimePolicyJsonContext.Default.DictionaryStringJsonElement);
        return RuntimePolicyDocument.Parse(element);
    }

    /// <summary>One Python regex per line; blank lines and <c>#</c> comments are skipped.</summary>
    public static void AddExcludes(RuntimePolicyDocument policy, string excludelist)
    {
        foreach (var raw in excludelist.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            policy.Excludes.Add(line);
        }
    }

    /// <summary>
    /// A policy allowing exactly what <paramref name="log"/> measured: every file digest by path,
    /// keys on keyrings by keyring name, other <c>ima-buf</c> entries by name. Lines that do not
    /// parse and violation entries (all-zero template hash) are skipped.
    /// </summary>
    public static RuntimePolicyDocument FromImaLog(string log, ImaHashAlgorithm logHashAlg, TimeProvider time)
    {
        var policy = RuntimePolicyDocument.Empty();
        policy.Generator = RuntimePolicyDocument.GeneratorLegacyAllowList;
        policy.Timestamp = PythonTimestamp(time);
        policy.LogHashAlg = logHashAlg.Name();
        foreach (var line in log.Split('\n'))
        {
            if (!ImaLineParser.TryParse(line, out var entry, out _) || !entry.TemplateHashHex.ContainsAnyExcept('0'))
            {
                continue;
            }

            var digest = entry.DigestHex.ToString().ToLowerInvariant();
            var name = entry.Name.ToString();
            if (entry.Template != ImaTemplate.ImaBuf)
            {
                RuntimePolicyDocument.AddDigest(policy.Digests, name, digest);
                continue;
            }

            var buffer = Convert.FromHexString(entry.ExtraHex);
            var isKey = ImaSignature.TryReadKey(buffer, out var unsupported) is not null || unsupported;
            RuntimePolicyDocument.AddDigest(isKey ? policy.Keyrings : policy.ImaBuf, name, digest);
        }

        return policy;
    }

    /// <summary>Python's <c>str(datetime.now())</c> shape, as Keylime writes <c>meta.timestamp</c>.</summary>
    private static string PythonTimestamp(TimeProvider time) =>
        time.GetLocalNow().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
