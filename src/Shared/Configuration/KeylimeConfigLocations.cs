using System.Collections;

namespace Keylime.Shared.Configuration;

/// <summary>
/// Where configuration is looked for: the two search roots and the process environment. Servers
/// use <see cref="FromSystem"/>; tests build their own so nothing under /etc is touched.
/// </summary>
/// <param name="EtcDirectory">Normally <c>/etc/keylime</c>.</param>
/// <param name="UsrEtcDirectory">Normally <c>/usr/etc/keylime</c> (distribution defaults).</param>
/// <param name="Environment">Environment variables (KEYLIME_*), by exact name.</param>
public sealed record KeylimeConfigLocations(
    string EtcDirectory,
    string UsrEtcDirectory,
    IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>Keylime's default work directory when KEYLIME_DIR is not set.</summary>
    public const string DefaultKeylimeDir = "/var/lib/keylime";

    /// <summary>The real search roots and a snapshot of this process's environment.</summary>
    public static KeylimeConfigLocations FromSystem()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            env[(string)entry.Key] = entry.Value as string ?? "";
        }

        return new KeylimeConfigLocations("/etc/keylime", "/usr/etc/keylime", env);
    }

    /// <summary>An environment variable, or null when unset.</summary>
    public string? Env(string name) => Environment.TryGetValue(name, out var value) ? value : null;

    /// <summary><c>KEYLIME_DIR</c> when set and non-empty, else /var/lib/keylime.</summary>
    public string KeylimeDir =>
        Env("KEYLIME_DIR") is { Length: > 0 } dir ? dir : DefaultKeylimeDir;
}
