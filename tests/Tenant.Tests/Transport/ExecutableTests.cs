using System.Diagnostics;
using Keylime.Tenant.Tests.Support;
using Keylime.TestSupport;

namespace Keylime.Tenant.Tests.Transport;

/// <summary>
/// The real <c>keylime-tenant</c> program (a separate process) reading Keylime's shipped tenant.conf
/// through KEYLIME_TENANT_CONFIG, KEYLIME_DIR and KEYLIME_TENANT_* overrides, against the stand-ins.
/// </summary>
public class ExecutableTests(StandInPair pair) : StandInTests(pair)
{
    private async Task<TenantResult> RunProcessAsync(Dictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "keylime-tenant.dll"));
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["KEYLIME_TENANT_CONFIG"] = SharedData.Path("data", "keylime-conf", "tenant.conf");
        psi.Environment["KEYLIME_DIR"] = Pki.KeylimeDir;
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(); // our own child, by its PID
            throw;
        }

        return new TenantResult(process.ExitCode, await stdout, await stderr);
    }

    private Dictionary<string, string> Ports() => new()
    {
        ["KEYLIME_TENANT_VERIFIER_PORT"] = Verifier.Port.ToString(),
        ["KEYLIME_TENANT_REGISTRAR_PORT"] = Registrar.Port.ToString(),
    };

    [Fact]
    public async Task The_program_lists_agents_with_the_shipped_configuration()
    {
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(9));

        var result = await RunProcessAsync(Ports(), "-c", "cvlist");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{{\"uuids\": [[\"{AgentId}\"]]}}", Assert.Single(result.StdoutLines));
        Assert.Equal("CN=tenant-client", Verifier.Received[^1].ClientCertificateSubject);
    }

    [Fact]
    public async Task The_program_exits_non_zero_with_one_line_when_the_verifier_is_down()
    {
        var env = Ports();
        var closed = FreePort.Next();
        env["KEYLIME_TENANT_VERIFIER_PORT"] = closed.ToString();

        var result = await RunProcessAsync(env, "-c", "cvstatus", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"keylime-tenant: Cannot connect to Verifier (127.0.0.1:{closed}): Connection refused", Assert.Single(result.StderrLines));
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task A_usage_error_exits_2()
    {
        var result = await RunProcessAsync(Ports(), "-c", "nosuchverb");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("keylime-tenant: error: Invalid command specified: nosuchverb", Assert.Single(result.StderrLines));
    }
}
