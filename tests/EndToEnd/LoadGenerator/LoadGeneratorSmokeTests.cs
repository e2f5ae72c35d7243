using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Keylime.LoadGenerator;
using Keylime.TestSupport;

namespace Keylime.EndToEnd.LoadGenerator;

/// <summary>
/// Keeps bench/LoadGenerator from rotting: a few full cycles of simulated agents (P-256 and
/// RSA-2048 software AKs, with and without an IMA log) against a real verifier process over HTTPS,
/// every one verified. Figures are printed by the generator but never asserted here.
/// </summary>
public sealed class LoadGeneratorSmokeTests
{
    [Theory]
    [InlineData(AkKind.Ecc, false)]
    [InlineData(AkKind.Rsa, true)]
    public async Task Every_simulated_cycle_against_a_real_verifier_is_verified(AkKind ak, bool ima)
    {
        var work = Directory.CreateTempSubdirectory("keylime-loadgen-test-");
        var port = FreePort.Next();
        var (verifier, log) = StartVerifier(work.FullName, port);
        try
        {
            await WaitListeningAsync(verifier, log, port);
            var cvCa = Path.Combine(work.FullName, "cv_ca");
            var options = new LoadOptions
            {
                Verifier = new Uri($"https://127.0.0.1:{port}/"),
                CaCertificate = Path.Combine(cvCa, "cacert.crt"),
                ClientCertificate = Path.Combine(cvCa, "client-cert.crt"),
                ClientKey = Path.Combine(cvCa, "client-private.pem"),
                Agents = 3,
                Cycles = 3,
                Warmup = 0,
                Ak = ak,
                Ima = ima,
                VerifierPid = verifier.Id,
            };
            var output = new StringWriter(CultureInfo.InvariantCulture);
            var report = await new LoadRun(options, output).RunAsync(CancellationToken.None);
            report.Print(output);

            Assert.True(report.Stats.Failed == 0 && report.Passed == 9, $"{output}\n--- verifier ---\n{Tail(log)}");
            Assert.NotNull(report.VerifierCpuMsPerCycle);
        }
        finally
        {
            verifier.Kill(entireProcessTree: true);
            await verifier.WaitForExitAsync();
            verifier.Dispose();
            work.Delete(recursive: true);
        }
    }

    /// <summary>The verifier as deployed (<c>dotnet Keylime.Verifier.dll</c>), configured as bench/run-loadgen.sh does.</summary>
    private static (Process Process, StringBuilder Log) StartVerifier(string keylimeDir, int port)
    {
        var config = Path.Combine(keylimeDir, "verifier.conf");
        File.WriteAllText(config, string.Join('\n',
            "[verifier]", "mode = push", "ip = 127.0.0.1", $"port = {port}", "tls_dir = generate", "database_url = sqlite",
            "quote_interval = 0.5", "verification_timeout = 30", "session_create_rate_limit_per_ip = 0", ""));
        var dll = typeof(Keylime.Verifier.VerifierApp).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        psi.Environment["KEYLIME_DIR"] = keylimeDir;
        psi.Environment["KEYLIME_VERIFIER_CONFIG"] = config;
        var output = new StringBuilder();
        var process = new Process { StartInfo = psi };
        DataReceivedEventHandler append = (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private static string Tail(StringBuilder log)
    {
        lock (log)
        {
            var text = log.ToString();
            return text.Length > 4000 ? text[^4000..] : text;
        }
    }

    private static async Task WaitListeningAsync(Process verifier, StringBuilder log, int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(verifier.HasExited, $"the verifier exited:\n{Tail(log)}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(200);
            }
        }

        Assert.Fail($"the verifier did not listen on {port}:\n{Tail(log)}");
    }
}
