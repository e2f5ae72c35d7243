namespace Keylime.Shared.Configuration;

/// <summary>
/// The merged INI configuration of one Keylime component (verifier, registrar, tenant, ca), found
/// and layered exactly as Keylime does (spec/verifier.md §10.1, spec/registrar.md §9.1):
/// <list type="number">
/// <item><c>KEYLIME_&lt;C&gt;_CONFIG</c> naming an existing file → that file alone, no snippets;</item>
/// <item>else the first existing of <c>/etc/keylime/C.conf</c>, <c>/usr/etc/keylime/C.conf</c>,
/// then (only if one was found) every file of <c>/usr/etc/keylime/C.conf.d/</c> and then of
/// <c>/etc/keylime/C.conf.d/</c>, each directory in name order; later files win per key;</item>
/// <item><c>KEYLIME_&lt;C&gt;_&lt;OPTION&gt;</c> (own section) or
/// <c>KEYLIME_&lt;C&gt;_&lt;SECTION&gt;_&lt;OPTION&gt;</c> (other sections) beats every file.</item>
/// </list>
/// </summary>
public sealed class KeylimeConfig
{
    private readonly Dictionary<(string Section, string Key), IniEntry> _values;

    private KeylimeConfig(string component, IReadOnlyList<string> files, KeylimeConfigLocations locations, Dictionary<(string, string), IniEntry> values)
    {
        Component = component;
        Files = files;
        Locations = locations;
        _values = values;
    }

    /// <summary>Component name, lower case (<c>verifier</c>).</summary>
    public string Component { get; }

    /// <summary>The files read, in the order they were applied (empty when none was found).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Search roots and environment this was loaded with.</summary>
    public KeylimeConfigLocations Locations { get; }

    /// <summary>Keylime's work directory: <c>KEYLIME_DIR</c> or /var/lib/keylime.</summary>
    public string KeylimeDir => Locations.KeylimeDir;

    /// <summary>Finds, reads and merges the configuration of <paramref name="component"/>.</summary>
    public static KeylimeConfig Load(string component, KeylimeConfigLocations? locations = null)
    {
        locations ??= KeylimeConfigLocations.FromSystem();
        var files = Discover(component, locations);
        var values = new Dictionary<(string, string), IniEntry>();
        foreach (var path in files)
        {
            foreach (var entry in IniFile.Load(path).Entries)
            {
                values[(entry.Section, entry.Key)] = entry;
            }
        }

        return new KeylimeConfig(component, files, locations, values);
    }

    /// <summary>The files Keylime would read for <paramref name="component"/>, in application order.</summary>
    public static IReadOnlyList<string> Discover(string component, KeylimeConfigLocations locations)
    {
        var name = component + ".conf";
        var explicitFile = locations.Env(EnvPrefix(component) + "CONFIG");
        if (!string.IsNullOrEmpty(explicitFile) && File.Exists(explicitFile))
        {
            return [explicitFile];
        }

        var baseFile = new[] { Path.Combine(locations.EtcDirectory, name), Path.Combine(locations.UsrEtcDirectory, name) }
            .FirstOrDefault(File.Exists);
        if (baseFile is null)
        {
            return [];
        }

        var files = new List<string> { baseFile };
        foreach (var root in new[] { locations.UsrEtcDirectory, locations.EtcDirectory })
        {
            var dir = Path.Combine(root, name + ".d");
            if (Directory.Exists(dir))
            {
                files.AddRange(Directory.GetFiles(dir).Order(StringComparer.Ordinal));
            }
        }

        return files;
    }

    /// <summary>A section reader; the component's own section when <paramref name="section"/> is null.</summary>
    public ConfigSection Section(string? section = null) =>
        new(section ?? Component, Raw, Files.Count > 0 ? string.Join(", ", Files) : "built-in default");

    /// <summary>
    /// The raw value of an option with where it came from, the environment first; null when the
    /// option is set nowhere.
    /// </summary>
    public (string Value, string Origin)? Raw(string section, string key)
    {
        var envName = EnvName(section, key);
        if (Locations.Env(envName) is { } env)
        {
            return (env, $"environment variable {envName}");
        }

        // configparser's [DEFAULT] section supplies values to every other section.
        var k = key.ToLowerInvariant();
        return _values.TryGetValue((section, k), out var e) || _values.TryGetValue(("DEFAULT", k), out e)
            ? (e.Value, $"{e.File}:{e.Line}")
            : null;
    }

    /// <summary>The environment variable that overrides <c>[section] key</c> for this component.</summary>
    public string EnvName(string section, string key) =>
        section.Equals(Component, StringComparison.OrdinalIgnoreCase)
            ? EnvPrefix(Component) + key.ToUpperInvariant()
            : EnvPrefix(Component) + section.ToUpperInvariant() + "_" + key.ToUpperInvariant();

    private static string EnvPrefix(string component) => "KEYLIME_" + component.ToUpperInvariant() + "_";
}
