using Keylime.Shared.Configuration;
using Keylime.Tenant.Cli;
using Keylime.Tenant.Configuration;
using Keylime.Tenant.Output;

namespace Keylime.Tenant.Tests.Support;

/// <summary>The outcome of one in-process tenant run.</summary>
public sealed record TenantResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Runs the tenant in-process with tenant.conf options pointing at stand-in servers.</summary>
public static class TenantRun
{
    /// <summary>
    /// tenant.conf as shipped (defaults), with KEYLIME_DIR = the test PKI (so tls_dir = default finds
    /// cv_ca), the given ports, and fast retries.
    /// </summary>
    public static TenantOptions Options(TestPki pki, int verifierPort, int registrarPort) => new()
    {
        KeylimeDir = pki.KeylimeDir,
        VerifierPort = verifierPort,
        RegistrarPort = registrarPort,
        RequireEkCert = false,
        RetryInterval = 0.05,
        ExponentialBackoff = false,
        MaxRetries = 3,
        RequestTimeout = 10,
    };

    public static async Task<TenantResult> RunAsync(TenantOptions options, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await TenantApp.RunAsync(args, new TenantOutput(stdout, stderr), a => TenantSettings.From(options, a));
        return new TenantResult(exit, stdout.ToString(), stderr.ToString());
    }
}
