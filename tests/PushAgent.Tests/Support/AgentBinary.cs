using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>The built agent (its own deps and runtimeconfig), for tests that run it as a real process.</summary>
public static class AgentBinary
{
    public static string Path
    {
        get
        {
            // tests/PushAgent.Tests/bin/<Configuration>/net10.0/ → same configuration of src/PushAgent.
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = testBin.Parent!.Name;
            var dll = System.IO.Path.Combine(SharedData.RepositoryRoot, "src", "PushAgent", "bin", configuration, testBin.Name, "keylime_push_model_agent.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("build src/PushAgent first", dll);
        }
    }
}
