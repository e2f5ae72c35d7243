using System.Globalization;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Serialization;

namespace Keylime.Shared.Configuration;

/// <summary>
/// Reads the push agent's TOML <c>[agent]</c> table the way rust-keylime layers it
/// (spec/push-agent.md §1.2): /usr/etc/keylime/agent.conf, /usr/etc/keylime/agent.conf.d/*,
/// /etc/keylime/agent.conf, /etc/keylime/agent.conf.d/* (each optional, later wins per key), or
/// only <c>KEYLIME_AGENT_CONFIG</c> when that is non-empty (then the file is required); then
/// <c>KEYLIME_AGENT_&lt;OPTION&gt;</c>; then caller overrides (the command line).
/// </summary>
internal sealed class AgentConfigFiles
{
    private readonly Dictionary<string, (string Value, string Origin)> _values = new(StringComparer.Ordinal);

    public List<string> Files { get; } = [];

    public static AgentConfigFiles Load(KeylimeConfigLocations locations)
    {
        var result = new AgentConfigFiles();
        foreach (var file in Discover(locations))
        {
            result.Merge(file);
        }

        return result;
    }

    public static IReadOnlyList<string> Discover(KeylimeConfigLocations locations)
    {
        var explicitFile = locations.Env("KEYLIME_AGENT_CONFIG");
        if (!string.IsNullOrEmpty(explicitFile))
        {
            return File.Exists(explicitFile)
                ? [explicitFile]
                : throw new KeylimeConfigException($"invalid configuration: KEYLIME_AGENT_CONFIG names {explicitFile}, which does not exist");
        }

        var files = new List<string>();
        foreach (var root in new[] { locations.UsrEtcDirectory, locations.EtcDirectory })
        {
            var baseFile = Path.Combine(root, "agent.conf");
            if (File.Exists(baseFile))
            {
                files.Add(baseFile);
            }

            var dir = Path.Combine(root, "agent.conf.d");
            if (Directory.Exists(dir))
            {
                files.AddRange(Directory.GetFiles(dir).Order(StringComparer.Ordinal));
            }
        }

        return files;
    }

    /// <summary>The highest-precedence raw value of an option: overrides, then environment, then files.</summary>
    public (string Value, string Origin)? Raw(string key, KeylimeConfigLocations locations, IReadOnlyDictionary<string, string>? overrides)
    {
        if (overrides is not null && overrides.TryGetValue(key, out var o))
        {
            return (o, "command line");
        }

        var envName = "KEYLIME_AGENT_" + key.ToUpperInvariant();
        if (locations.Env(envName) is { } env)
        {
            return (env, $"environment variable {envName}");
        }

        return _values.TryGetValue(key, out var v) ? v : null;
    }

    private void Merge(string path)
    {
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize(File.ReadAllText(path), AgentTomlContext.Default.TomlTable) ?? new TomlTable();
        }
        catch (TomlException e)
        {
            throw new KeylimeConfigException($"invalid configuration: {path}: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        catch (IOException e)
        {
            throw new KeylimeConfigException($"{path}: cannot read configuration file: {e.Message}", e);
        }

        Files.Add(path);
        if (!table.TryGetValue("agent", out var agent) || agent is not TomlTable section)
        {
            return;
        }

        foreach (var (key, value) in section)
        {
            _values[key] = (AsText(value), path);
        }
    }

    // TOML values become the same text an environment variable would carry, so one set of
    // parsers handles every source (rust-keylime's config crate also converts between them).
    private static string AsText(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        TomlArray a => "[" + string.Join(", ", a.Select(x => x is string s ? "\"" + s + "\"" : AsText(x))) + "]",
        _ => value.ToString() ?? "",
    };
}

/// <summary>Source-generated TOML reading: no reflection, so the agent can be trimmed and compiled Native AOT.</summary>
[TomlSerializable(typeof(TomlTable))]
public sealed partial class AgentTomlContext : TomlSerializerContext;
