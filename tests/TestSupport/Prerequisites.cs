using System.Diagnostics;

namespace Keylime.TestSupport;

/// <summary>
/// Tests that need PostgreSQL, swtpm or tpm2-tools ask here. scripts/test.sh installs and starts
/// them; a missing prerequisite is a test failure with a clear message, never a silent skip.
/// </summary>
public static class Prerequisites
{
    /// <summary>Connection string of the throwaway PostgreSQL cluster scripts/test.sh starts.</summary>
    public static string PostgresConnectionString()
    {
        var value = Environment.GetEnvironmentVariable("KEYLIME_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                "KEYLIME_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts a throwaway PostgreSQL");
        }

        return value;
    }

    /// <summary>Full path of a program on PATH, or a failure naming the Debian package to install.</summary>
    public static string Program(string name, string debianPackage)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"{name} is not installed (Debian package {debianPackage}): scripts/test.sh installs it");
    }

    /// <summary>Runs a program to completion and returns its standard output; throws with stderr on failure.</summary>
    public static string Run(string program, string arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        using var process = System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {arguments} did not finish");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {arguments} exited {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }
}
