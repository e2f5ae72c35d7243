using System.Text;
using System.Text.RegularExpressions;

namespace Keylime.Shared.Ima;

/// <summary>
/// Exclude lists are Python regular expressions applied with <c>re.match</c> (anchored at the start
/// only, spec §2.3). This turns a list into one .NET regex with the same meaning.
/// </summary>
public static class PythonRegex
{
    /// <summary>Bounds a pathological pattern; an exclude that times out counts as not matching.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Builds <c>^(?:(e1)|(e2)|…)</c>. Throws <see cref="ArgumentException"/> with the offending
    /// pattern when one does not compile.
    /// </summary>
    public static Regex? CompileExcludes(IReadOnlyList<string> excludes)
    {
        if (excludes.Count == 0)
        {
            return null;
        }

        var combined = new StringBuilder("^(?:");
        for (var i = 0; i < excludes.Count; i++)
        {
            var translated = Translate(excludes[i]);
            try
            {
                // Compile each alone first so the error names the pattern that is wrong.
                _ = new Regex(translated, RegexOptions.CultureInvariant, MatchTimeout);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"exclude regex #{i} \"{excludes[i]}\" does not compile: {e.Message}", e);
            }

            combined.Append(i == 0 ? "(" : "|(").Append(translated).Append(')');
        }

        combined.Append(')');
        return new Regex(combined.ToString(), RegexOptions.CultureInvariant, MatchTimeout);
    }

    /// <summary>Python-only syntax: named groups <c>(?P&lt;n&gt;…)</c>, back references <c>(?P=n)</c>, <c>\Z</c>.</summary>
    internal static string Translate(string pattern)
    {
        var s = pattern.Replace("(?P<", "(?<", StringComparison.Ordinal).Replace(@"\Z", @"\z", StringComparison.Ordinal);
        var sb = new StringBuilder();
        var i = 0;
        int at;
        while ((at = s.IndexOf("(?P=", i, StringComparison.Ordinal)) >= 0)
        {
            var close = s.IndexOf(')', at);
            if (close < 0)
            {
                break;
            }

            sb.Append(s, i, at - i).Append(@"\k<").Append(s, at + 4, close - at - 4).Append('>');
            i = close + 1;
        }

        return sb.Append(s, i, s.Length - i).ToString();
    }
}
