using System.Diagnostics;
using System.Runtime.InteropServices;
using Keylime.TestSupport;

namespace Keylime.EndToEnd.Support;

/// <summary>
/// The push agent as it ships: <c>dotnet publish</c> of src/PushAgent with PublishAot (its csproj),
/// once per test run, into a temp folder whose own obj/bin (<c>--artifacts-path</c>) leave the JIT
/// build the other tests run untouched. Native AOT needs clang and zlib1g-dev (scripts/test.sh
/// installs them); without them this fails, never skips.
/// </summary>
public sealed class AotAgentBuild : IDisposable
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private readonly string _directory;

    public AotAgentBuild()
    {
        Prerequisites.Program("clang", "clang");
        _directory = Directory.CreateTempSubdirectory("keylime-aot.").FullName;
        var started = Stopwatch.StartNew();
        try
        {
            Publish();
        }
        catch
        {
            Dispose();
            throw;
        }

        PublishTime = started.Elapsed;
        Executable = Path.Combine(_directory, "out", "keylime_push_model_agent");
        if (!File.Exists(Executable))
        {
            throw new FileNotFoundException("the AOT publish produced no native agent", Executable);
        }
    }

    /// <summary>The native agent binary (no dotnet host, no IL: what runs in the container and under systemd).</summary>
    public string Executable { get; }

    public TimeSpan PublishTime { get; }

    /// <summary>VmRSS of a running process as /proc reports it, e.g. "24 MB".</summary>
    public static string ResidentSetSize(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kilobytes = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        return $"{kilobytes / 1024.0:F1} MB";
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Publish()
    {
        // The RID of this machine, e.g. linux-x64 (Native AOT does not cross-compile between architectures).
        var rid = "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var a in (string[])["publish", Path.Combine(SharedData.RepositoryRoot, "src", "PushAgent", "Keylime.PushAgent.csproj"),
                     "-c", "Release", "-r", rid, "-o", Path.Combine(_directory, "out"), "--artifacts-path", Path.Combine(_directory, "artifacts"),
                     // No MSBuild node or compiler server outlives the publish: the test leaves no process behind.
                     "-nodeReuse:false", "-p:UseSharedCompilation=false"])
        {
            psi.ArgumentList.Add(a);
        }

        // An outer `dotnet test` may hand its own MSBuild settings down; this publish is a build of its own.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(key);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet publish");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(PublishTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the AOT publish of the agent took over {PublishTimeout}");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"the Native AOT publish of the agent failed ({process.ExitCode}); it needs clang and zlib1g-dev (scripts/test.sh installs them):\n" +
                Verdicts.Tail(stdout.Result + stderr.Result, 60));
        }
    }
}
