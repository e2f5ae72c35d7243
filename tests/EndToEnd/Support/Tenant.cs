using System.Diagnostics;
using Keylime.TestSupport;

namespace Keylime.EndToEnd.Support;

/// <summary>The outcome of one <c>keylime-tenant</c> run.</summary>
public sealed record TenantResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary><c>keylime-tenant</c> as a real process with the stack's tenant.conf (cv_ca client certificate).</summary>
public sealed class Tenant(Stack stack)
{
    /// <summary>Runs the tenant; <paramref name="environment"/> adds or overrides variables (e.g. another client certificate).</summary>
    public async Task<TenantResult> RunWithAsync(IDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = stack.Directory,
        };
        psi.ArgumentList.Add(KeylimeBinaries.Tenant);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in stack.BaseEnvironment())
        {
            psi.Environment[k] = v;
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start keylime-tenant");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"keylime-tenant {string.Join(' ', args)} did not finish");
        }

        return new TenantResult(process.ExitCode, await stdout, await stderr);
    }

    public Task<TenantResult> RunAsync(params string[] args) => RunWithAsync(null, args);

    /// <summary>Runs the tenant and fails the test with its output unless it exits 0.</summary>
    public async Task<TenantResult> SucceedAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"keylime-tenant {string.Join(' ', args)}: {result}");
        return result;
    }
}
