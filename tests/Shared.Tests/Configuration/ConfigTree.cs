using Keylime.Shared.Configuration;

namespace Keylime.Shared.Tests.Configuration;

/// <summary>A throwaway /etc/keylime + /usr/etc/keylime pair and environment, so tests never touch the real ones.</summary>
internal sealed class ConfigTree : IDisposable
{
    public ConfigTree()
    {
        Root = Directory.CreateTempSubdirectory("keylime-conf-").FullName;
        Etc = Directory.CreateDirectory(Path.Combine(Root, "etc", "keylime")).FullName;
        UsrEtc = Directory.CreateDirectory(Path.Combine(Root, "usr", "etc", "keylime")).FullName;
    }

    public string Root { get; }
    public string Etc { get; }
    public string UsrEtc { get; }
    public Dictionary<string, string> Env { get; } = new(StringComparer.Ordinal);

    public KeylimeConfigLocations Locations => new(Etc, UsrEtc, Env);

    /// <summary>Writes a file under the tree (relative path) and returns its full path.</summary>
    public string Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string WriteEtc(string name, string text) => Write(Path.Combine("etc", "keylime", name), text);

    public string WriteUsrEtc(string name, string text) => Write(Path.Combine("usr", "etc", "keylime", name), text);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
