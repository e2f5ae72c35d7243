namespace Keylime.TestSupport;

/// <summary>
/// The built programs of src/ (each in its own bin folder with its own deps and runtimeconfig), in
/// the configuration the tests were built with. Tests that run real processes start these with
/// <c>dotnet &lt;dll&gt;</c>, as deployed.
/// </summary>
public static class KeylimeBinaries
{
    public static string Verifier => Find("Verifier", "Keylime.Verifier.dll");

    public static string Registrar => Find("Registrar", "Keylime.Registrar.dll");

    public static string PushAgent => Find("PushAgent", "keylime_push_model_agent.dll");

    public static string Tenant => Find("Tenant", "keylime-tenant.dll");

    /// <summary>The build configuration of the running tests (Debug or Release).</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

    private static string Find(string project, string dll)
    {
        // tests/<X>/bin/<Configuration>/<tfm>/ → src/<project>/bin/<Configuration>/<tfm>/<dll>.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var path = Path.Combine(SharedData.RepositoryRoot, "src", project, "bin", testBin.Parent!.Name, testBin.Name, dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build src/{project} first", path);
    }
}
