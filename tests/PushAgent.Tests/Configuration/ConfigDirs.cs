using Keylime.Shared.Configuration;

namespace Keylime.PushAgent.Tests.Configuration;

/// <summary>A private /etc/keylime, /usr/etc/keylime, keylime_dir and environment for one test.</summary>
public sealed class ConfigDirs : IDisposable
{
    public ConfigDirs()
    {
        Root = Directory.CreateTempSubdirectory("keylime-agent-conf.").FullName;
        Etc = Directory.CreateDirectory(Path.Combine(Root, "etc")).FullName;
        UsrEtc = Directory.CreateDirectory(Path.Combine(Root, "usr-etc")).FullName;
        KeylimeDir = Directory.CreateDirectory(Path.Combine(Root, "var-lib-keylime")).FullName;
        Directory.CreateDirectory(Path.Combine(KeylimeDir, "cv_ca"));
    }

    public string Root { get; }

    public string Etc { get; }

    public string UsrEtc { get; }

    public string KeylimeDir { get; }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public KeylimeConfigLocations Locations => new(Etc, UsrEtc, Environment);

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>An agent.conf with a keylime_dir here and the given extra [agent] lines.</summary>
    public string AgentConf(string extra, string where = "etc/agent.conf") =>
        Write(where, $"[agent]\nkeylime_dir = \"{KeylimeDir}\"\n{extra}\n");

    /// <summary>Copies a real PEM CA certificate to a path (relative to keylime_dir unless absolute).</summary>
    public string Ca(string path, string sourcePem)
    {
        var full = Path.Combine(KeylimeDir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.Copy(sourcePem, full, overwrite: true);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
