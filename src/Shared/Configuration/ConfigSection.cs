using System.Text.Json;

namespace Keylime.Shared.Configuration;

/// <summary>
/// Typed reads of one section of a <see cref="KeylimeConfig"/>. An absent option yields the
/// fallback (Keylime's template default); a present but invalid one throws a
/// <see cref="KeylimeConfigException"/> with one line: origin, section, key, value, expectation.
/// </summary>
public sealed class ConfigSection
{
    private readonly Func<string, string, (string Value, string Origin)?> _raw;
    private readonly string _sources;

    /// <param name="name">Section name.</param>
    /// <param name="raw">Looks up (section, key) → raw value and its origin, the highest-precedence source first.</param>
    /// <param name="sources">Names the files read, for errors about values that are absent.</param>
    internal ConfigSection(string name, Func<string, string, (string Value, string Origin)?> raw, string sources)
    {
        _raw = raw;
        _sources = sources;
        Name = name;
    }

    /// <summary>Section name, e.g. <c>verifier</c> or <c>revocations</c>.</summary>
    public string Name { get; }

    /// <summary>Another section of the same configuration (e.g. <c>[revocations]</c> of verifier.conf).</summary>
    public ConfigSection Sibling(string section) => new(section, _raw, _sources);

    /// <summary>Whether the option is set in a file or the environment.</summary>
    public bool Has(string key) => _raw(Name, key) is not null;

    /// <summary>A string with surrounding quotes and spaces removed.</summary>
    public string String(string key, string fallback) =>
        _raw(Name, key) is { } raw ? ConfigValues.Str(raw.Value) : fallback;

    /// <summary>A string that must be one of <paramref name="allowed"/> (compared case-insensitively, returned lower-case).</summary>
    public string Choice(string key, string fallback, params string[] allowed)
    {
        var value = String(key, fallback).ToLowerInvariant();
        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw Invalid(key, $"expected one of {string.Join(", ", allowed)}");
    }

    /// <summary>A boolean (true/false/yes/no/on/off/1/0).</summary>
    public bool Bool(string key, bool fallback) =>
        Read(key, fallback, ConfigValues.Bool, "expected a boolean (True/False, yes/no, on/off, 1/0)");

    /// <summary>An integer within [min, max].</summary>
    public int Int(string key, int fallback, int min = int.MinValue, int max = int.MaxValue) =>
        (int)Long(key, fallback, min, max);

    /// <summary>A TCP port (0 lets the OS choose, which tests use).</summary>
    public int Port(string key, int fallback) => Int(key, fallback, 0, 65535);

    /// <summary>A 64-bit integer within [min, max].</summary>
    public long Long(string key, long fallback, long min = long.MinValue, long max = long.MaxValue) =>
        Read(key, fallback, s => ConfigValues.Int(s) is long v && v >= min && v <= max ? v : null, Range("an integer", min, max));

    /// <summary>A real number, at least <paramref name="min"/>.</summary>
    public double Double(string key, double fallback, double min = double.MinValue) =>
        Read(key, fallback, s => ConfigValues.Double(s) is double v && v >= min ? v : null,
            min == double.MinValue ? "expected a number" : $"expected a number ≥ {min}");

    /// <summary>A list (<c>['a', 'b']</c> or <c>a, b</c>).</summary>
    public IReadOnlyList<string> List(string key, IReadOnlyList<string> fallback) =>
        ReadRef(key, fallback, ConfigValues.List, "expected a list such as ['a', 'b'] or a, b");

    /// <summary>A JSON value; <paramref name="fallbackJson"/> is used when absent or empty.</summary>
    public JsonElement Json(string key, string fallbackJson)
    {
        var raw = _raw(Name, key);
        var text = raw is { } r && r.Value.Trim().Length > 0 ? r.Value : fallbackJson;
        return ConfigValues.Json(text) ?? throw Invalid(key, "expected a JSON value");
    }

    /// <summary>The failure for an option whose value is present but wrong (also for checks done by callers).</summary>
    public KeylimeConfigException Invalid(string key, string expectation)
    {
        var raw = _raw(Name, key);
        var where = raw?.Origin ?? _sources;
        return new KeylimeConfigException(
            $"invalid configuration: {where}: [{Name}] {key} = '{raw?.Value.ReplaceLineEndings(" ")}': {expectation}");
    }

    private T ReadRef<T>(string key, T fallback, Func<string, T?> parse, string expectation)
        where T : class
    {
        if (_raw(Name, key) is not { } raw)
        {
            return fallback;
        }

        var parsed = parse(raw.Value);
        return parsed is null ? throw Invalid(key, expectation) : parsed;
    }

    private T Read<T>(string key, T fallback, Func<string, T?> parse, string expectation)
        where T : struct
    {
        if (_raw(Name, key) is not { } raw)
        {
            return fallback;
        }

        return parse(raw.Value) ?? throw Invalid(key, expectation);
    }

    private static string Range(string what, long min, long max) =>
        (min, max) switch
        {
            (long.MinValue, long.MaxValue) => $"expected {what}",
            (_, long.MaxValue) or (_, int.MaxValue) => $"expected {what} ≥ {min}",
            _ => $"expected {what} between {min} and {max}",
        };
}
