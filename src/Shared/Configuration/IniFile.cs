namespace Keylime.Shared.Configuration;

/// <summary>One <c>key = value</c> of an INI file, with where it was read (for error messages).</summary>
public sealed record IniEntry(string Section, string Key, string Value, string File, int Line);

/// <summary>
/// A parsed INI file with the rules of Python's <c>configparser.RawConfigParser</c>, which Keylime
/// uses: <c>=</c> or <c>:</c> delimits (first one wins, so values may contain <c>=</c>), keys are
/// case-insensitive (lower-cased), full-line <c>#</c>/<c>;</c> comments, indented lines continue
/// the previous value, no <c>%</c> interpolation (logging.conf's <c>%(asctime)s</c> stays as is),
/// and a duplicate section or key inside one file is an error (configparser's strict mode).
/// We use our own parser rather than the Microsoft INI provider because that provider does not
/// know <c>:</c>, continuation lines or configparser's comment rules.
/// </summary>
public sealed class IniFile
{
    private readonly List<IniEntry> _entries = [];

    private IniFile(string path) => Path = path;

    /// <summary>The file this was read from.</summary>
    public string Path { get; }

    /// <summary>Every entry in file order.</summary>
    public IReadOnlyList<IniEntry> Entries => _entries;

    /// <summary>Reads and parses a file.</summary>
    public static IniFile Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeylimeConfigException($"{path}: cannot read configuration file: {e.Message}", e);
        }

        return Parse(text, path);
    }

    /// <summary>Parses INI text; <paramref name="path"/> only names it in errors.</summary>
    public static IniFile Parse(string text, string path)
    {
        var file = new IniFile(path);
        var seenSections = new HashSet<string>(StringComparer.Ordinal);
        var seenKeys = new HashSet<(string, string)>();
        string? section = null;
        int lineNo = 0;
        int currentIndent = -1;
        int? currentEntry = null;
        foreach (var rawLine in text.ReplaceLineEndings("\n").Split('\n'))
        {
            lineNo++;
            var trimmed = rawLine.Trim();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
            {
                continue;
            }

            int indent = rawLine.Length - rawLine.TrimStart().Length;
            if (currentEntry is int idx && indent > currentIndent)
            {
                var e = file._entries[idx];
                file._entries[idx] = e with { Value = e.Value.Length == 0 ? trimmed : e.Value + "\n" + trimmed };
                continue;
            }

            currentEntry = null;
            if (trimmed[0] == '[' && trimmed[^1] == ']')
            {
                section = trimmed[1..^1];
                if (!seenSections.Add(section))
                {
                    throw new KeylimeConfigException($"{path}:{lineNo}: section [{section}] appears twice");
                }

                continue;
            }

            if (section is null)
            {
                throw new KeylimeConfigException($"{path}:{lineNo}: '{trimmed}' comes before any [section] header");
            }

            int delim = trimmed.IndexOfAny(['=', ':']);
            if (delim <= 0)
            {
                throw new KeylimeConfigException($"{path}:{lineNo}: [{section}] '{trimmed}' is not a 'key = value' line");
            }

            var key = trimmed[..delim].Trim().ToLowerInvariant();
            var value = trimmed[(delim + 1)..].Trim();
            if (!seenKeys.Add((section, key)))
            {
                throw new KeylimeConfigException($"{path}:{lineNo}: [{section}] {key} is set twice in this file");
            }

            file._entries.Add(new IniEntry(section, key, value, path, lineNo));
            currentEntry = file._entries.Count - 1;
            currentIndent = indent;
        }

        return file;
    }
}
