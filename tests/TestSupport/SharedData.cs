namespace Keylime.TestSupport;

/// <summary>
/// Locates the read-only fixtures in the <c>shared/</c> folder that sits beside the project root
/// (spec, tpm-vectors, data). Tests read them in place and never write there.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The <c>shared/</c> folder.</summary>
    public static string Directory => Root.Value;

    /// <summary>A path under <c>shared/</c>, e.g. <c>Path("data", "ima", "ima-log-sha1")</c>.</summary>
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Root.Value, .. parts]);

    /// <summary>The repository root (the folder holding Keylime.sln).</summary>
    public static string RepositoryRoot => FindRepositoryRoot();

    private static string FindRoot()
    {
        var overridden = Environment.GetEnvironmentVariable("KEYLIME_SHARED_DIR");
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden;
        }

        // shared/ sits beside the project root; a git worktree elsewhere finds it further up.
        var repo = FindRepositoryRoot();
        for (var dir = new DirectoryInfo(repo).Parent; dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared");
            if (File.Exists(System.IO.Path.Combine(candidate, "DESIGN.md")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"the shared fixtures folder was not found beside the project root ({repo}); set KEYLIME_SHARED_DIR");
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Keylime.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("Keylime.sln not found above the test binaries");
    }
}
