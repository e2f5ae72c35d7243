namespace Keylime.Registrar.Api;

/// <summary>
/// The API versions of spec/registrar.md §2. <c>/version</c> advertises 1.0 and 3.0 like Keylime,
/// but only the 2.x and 3.x prefixes are routed (there never were v1 routes).
/// </summary>
public static class ApiVersions
{
    public const string Current = "2.6";

    public static readonly IReadOnlyList<string> Supported = ["1.0", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.0"];

    /// <summary>Every routed prefix segment: <c>v2</c>, <c>v2.0</c> … <c>v2.6</c>, <c>v3</c>, <c>v3.0</c>.</summary>
    public static readonly IReadOnlySet<string> AllPrefixes = new HashSet<string>(StringComparer.Ordinal)
    {
        "v2", "v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v2.6", "v3", "v3.0",
    };

    /// <summary>Prefixes that keep the v2 compatibility routes the Rust agent uses (dropped in v3).</summary>
    public static readonly IReadOnlySet<string> V2Prefixes = new HashSet<string>(StringComparer.Ordinal)
    {
        "v2", "v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v2.6",
    };

    public static readonly IReadOnlySet<string> V3Prefixes = new HashSet<string>(StringComparer.Ordinal) { "v3", "v3.0" };
}

