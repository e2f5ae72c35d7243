using System.Text.RegularExpressions;

namespace Keylime.Registrar.Agents;

/// <summary>
/// Agent IDs: word characters, dots and dashes. Keylime accepts any path segment; this keeps UUIDs
/// and the hashed-EK IDs rust-keylime can derive, and refuses slashes, spaces and control bytes.
/// </summary>
public static partial class AgentId
{
    public const int MaxLength = 255;

    public static bool IsValid(string? id) => id is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(id);

    [GeneratedRegex(@"^[\w.-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
