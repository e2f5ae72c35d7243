using System.Diagnostics;
using Keylime.TestSupport;

namespace Keylime.EndToEnd.Stack;

/// <summary>
/// scripts/run-stack.sh itself, non-interactively (<c>--cycles 3</c>): it starts everything, enrolls
/// the agent, prints the verdicts, exits 0 after three consecutive passes, and leaves no process behind.
/// </summary>
public sealed class RunStackScriptTests
{
    [Fact]
    public void Run_stack_on_SQLite_with_swtpm_prints_three_passing_verdicts_and_stops_everything()
    {
        var (exit, output) = RunStack([], []);

        Assert.True(exit == 0, output);
        Assert.Equal(3, output.Split('\n').Count(l => l.Contains(": pass", StringComparison.Ordinal)));
        Assert.Contains("swtpm     tcp 127.0.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("stopped everything it started", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_stack_on_PostgreSQL_from_KEYLIME_STACK_DATABASE_URL_passes_three_cycles()
    {
        var name = $"e2e_stack_{Guid.NewGuid():N}";
        try
        {
            var (exit, output) = RunStack(["--avoid-tpm"], new() { ["KEYLIME_STACK_DATABASE_URL"] = Support.Postgres.Url(name) });

            Assert.True(exit == 0, output);
            Assert.Contains($"database {Support.Postgres.Url(name)}_verifier", output, StringComparison.Ordinal);
            Assert.Contains("--avoid-tpm", output, StringComparison.Ordinal);
            Assert.Equal(3, output.Split('\n').Count(l => l.Contains(": pass", StringComparison.Ordinal)));
        }
        finally
        {
            Support.Postgres.Drop(name + "_verifier");
            Support.Postgres.Drop(name + "_registrar");
        }
    }

    private static (int Exit, string Output) RunStack(string[] args, Dictionary<string, string> environment)
    {
        var dir = Directory.CreateTempSubdirectory("keylime-e2e-stack.").FullName;
        try
        {
            var psi = new ProcessStartInfo("bash")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in (string[])[Path.Combine(SharedData.RepositoryRoot, "scripts", "run-stack.sh"), "--no-build",
                         "--configuration", KeylimeBinaries.Configuration, "--cycles", "3", "--timeout", "120", .. args])
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["KEYLIME_DIR"] = dir;
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }

            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(240)))
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
