using System.Diagnostics;
using System.Globalization;
using Keylime.PushAgent.Tests.Configuration;
using Keylime.PushAgent.Tests.Support;
using Keylime.TestSupport;
using Xunit.Abstractions;

namespace Keylime.PushAgent.Tests.RealProcess;

/// <summary>
/// The real agent process (keylime_push_model_agent) on swtpm and with --avoid-tpm: it registers,
/// activates, authenticates and gets three quotes verified, cryptographically, by peers that use the
/// TPM core's verifiers; SIGTERM stops it cleanly with exit code 0.
/// </summary>
public sealed class AgentProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly ConfigDirs _dirs = new();
    private readonly TestPki _pki = TestPki.Create();

    public void Dispose()
    {
        _pki.Dispose();
        _dirs.Dispose();
    }

    [Fact]
    public async Task On_swtpm_the_agent_registers_and_gets_three_quotes_verified()
    {
        using var tpm = Swtpm.Start();
        await RunThreeCycles([], new Dictionary<string, string> { ["TCTI"] = tpm.Tcti });
    }

    [Fact]
    public async Task With_avoid_tpm_the_agent_registers_and_gets_three_quotes_verified() =>
        await RunThreeCycles(["--avoid-tpm"], []);

    private async Task RunThreeCycles(string[] extraArgs, Dictionary<string, string> environment)
    {
        var peers = new VerifyingPeers();
        await using var verifier = await FakePeer.StartAsync(peers.Verifier, _pki);
        await using var registrar = await FakePeer.StartAsync(peers.Registrar, tls: null);
        var conf = _dirs.AgentConf(
            $"uuid = \"hash_ek\"\nregistrar_ip = \"127.0.0.1\"\nregistrar_port = {registrar.Url.Port}\n" +
            $"ima_ml_path = \"{SharedData.Path("data", "ima", "ascii_runtime_measurements-826-ima-ng-sha1")}\"\n" +
            $"measuredboot_ml_path = \"{SharedData.Path("data", "measured-boot", "binary_bios_measurements")}\"\n" +
            "attestation_interval_seconds = 2\nexponential_backoff_initial_delay = 200\nexponential_backoff_max_retries = 2");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { AgentBinary.Path, "--verifier-url", verifier.Url.ToString(), "--ca-certificate", _pki.CaFile }.Concat(extraArgs))
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["KEYLIME_AGENT_CONFIG"] = conf;
        psi.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        using var agent = System.Diagnostics.Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        agent.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        agent.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        try
        {
            await Eventually.True(() => peers.QuotesVerified >= 3 || agent.HasExited || !peers.Failures.IsEmpty, "three verified quotes", 90000);
            Assert.Empty(peers.Failures);
            Assert.Equal(3, peers.QuotesVerified);
            Assert.Equal(1, peers.Activated);
            Assert.Equal(1, peers.ProofsAccepted);
            Assert.Matches("^[0-9a-f]{64}$", peers.RegisteredId);
            Report(agent, peers);
        }
        finally
        {
            if (!agent.HasExited)
            {
                Posix.Terminate(agent.Id);
            }

            var exited = agent.WaitForExit(20000);
            lock (log)
            {
                output.WriteLine(log.ToString());
            }

            Assert.True(exited, "the agent did not stop on SIGTERM");
        }

        Assert.Equal(0, agent.ExitCode);
    }

    /// <summary>Steady-state resource use, for the report (never asserted).</summary>
    private void Report(System.Diagnostics.Process agent, VerifyingPeers peers)
    {
        var (cpu0, _) = Usage(agent.Id);
        var before = peers.QuotesVerified;
        var stopwatch = Stopwatch.StartNew();
        while (peers.QuotesVerified < before + 3 && stopwatch.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(50);
        }

        var (cpu1, _) = Usage(agent.Id);
        var cycles = peers.QuotesVerified - before;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"agent steady state: VmRSS {Status(agent.Id, "VmRSS") / 1024.0:0.0} MB (anonymous {Status(agent.Id, "RssAnon") / 1024.0:0.0} MB, " +
            $"file-backed {Status(agent.Id, "RssFile") / 1024.0:0.0} MB), CPU {(cpu1 - cpu0) / Math.Max(1, cycles):0.0} ms per cycle over {cycles} cycles"));
    }

    private static (double CpuMs, long Unused) Usage(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (ticks * 10.0, 0);
    }

    private static long Status(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
