using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Keylime.Registrar.Tests.Support;
using Keylime.Shared.Configuration;
using Keylime.Shared.Security;

namespace Keylime.Benchmarks;

/// <summary>
/// Registrar throughput over real HTTP on loopback: a real registrar process (SQLite, WAL) and
/// <see cref="Concurrency"/> simulated agents, each doing what the Rust agent does — POST the
/// registration, run ActivateCredential on the blob (software ECC P-256 EK, so the client side costs
/// an ECDH instead of a TPM round trip), PUT the auth_tag. One operation = one register + activate;
/// agents/second = 1e9 / Mean(ns). Client and server share the machine's cores.
/// </summary>
public class RegistrarBenchmarks : IDisposable
{
    private const int Batch = 512;

    private readonly List<SoftwareAgent> _agents = [];
    private Process? _registrar;
    private HttpClient _http = null!;
    private string _dir = "";
    private long _operations;
    private TimeSpan _serverCpuAtStart;
    private TimeSpan _clientCpuAtStart;

    [Params(32)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("keylime-registrar-bench.").FullName;
        KeylimeCa.EnsureGenerated(TlsSettings.ForVerifier(new VerifierOptions { KeylimeDir = _dir, TlsDir = "generate", Ip = "127.0.0.1" }));
        File.WriteAllText(Path.Combine(_dir, "registrar.conf"), "[registrar]\nip = 127.0.0.1\ndatabase_url = sqlite\n");
        var port = FreePort();
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, WorkingDirectory = _dir };
        psi.ArgumentList.Add(RegistrarDll());
        psi.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        psi.Environment["KEYLIME_REGISTRAR_CONFIG"] = Path.Combine(_dir, "registrar.conf");
        psi.Environment["KEYLIME_DIR"] = _dir;
        psi.Environment["KEYLIME_REGISTRAR_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["KEYLIME_REGISTRAR_TLS_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["KEYLIME_TENANT_TPM_CERT_STORE"] = Path.Combine(_dir, "none");
        psi.Environment["DOTNET_gcServer"] = "0"; // as deploy/systemd/keylime_registrar.service runs it
        _registrar = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the registrar");
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        WaitUntilServing();
        using var ak = System.Security.Cryptography.RSA.Create(2048);
        for (var i = 0; i < 16; i++)
        {
            _agents.Add(new SoftwareAgent(akKey: ak));
        }

        _registrar.Refresh();
        _serverCpuAtStart = _registrar.TotalProcessorTime;
        _clientCpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_registrar is { HasExited: false })
        {
            // Wall time on a shared machine depends on the neighbours; CPU per operation does not:
            // 2 cores / (server + client CPU per operation) is the ceiling of a dedicated 2-core box.
            _registrar.Refresh();
            var server = (_registrar.TotalProcessorTime - _serverCpuAtStart).TotalMilliseconds / Math.Max(1, _operations);
            var client = (Process.GetCurrentProcess().TotalProcessorTime - _clientCpuAtStart).TotalMilliseconds / Math.Max(1, _operations);
            Console.WriteLine($"// registrar CPU per register+activate: {server:F3} ms (server), {client:F3} ms (load generator), " +
                $"{_operations} operations; 2-core ceiling {2000 / (server + client):F0}/s, server-only ceiling {2000 / server:F0}/s");
            _registrar.Kill(); // our own child, by PID
            _registrar.WaitForExit(10000);
        }

        _registrar?.Dispose();
        _agents.ForEach(a => a.Dispose());
        Directory.Delete(_dir, recursive: true);
    }

    public void Dispose()
    {
        _http?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "register + activate (one agent)")]
    public Task RegisterAndActivate() =>
        Parallel.ForEachAsync(Enumerable.Range(0, Batch), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, ct) =>
        {
            var agent = _agents[i % _agents.Count];
            var id = Guid.NewGuid().ToString();
            var registration = await Send(HttpMethod.Post, $"/v2.6/agents/{id}",
                $"{{\"aik_tpm\":\"{agent.AikTpmBase64}\",\"ek_tpm\":\"{agent.EkTpmBase64}\",\"ip\":\"127.0.0.1\",\"port\":9002}}", ct);
            var blob = registration.RootElement.GetProperty("results").GetProperty("blob").GetString()!;
            using var activation = await Send(HttpMethod.Put, $"/v2.6/agents/{id}", $"{{\"auth_tag\":\"{agent.AuthTag(blob, id)}\"}}", ct);
            registration.Dispose();
            Interlocked.Increment(ref _operations);
        });

    private async Task<JsonDocument> Send(HttpMethod method, string path, string json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStreamAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode}");
        }

        return await JsonDocument.ParseAsync(body, cancellationToken: ct);
    }

    private void WaitUntilServing()
    {
        for (var i = 0; i < 600; i++)
        {
            if (_registrar!.HasExited)
            {
                throw new InvalidOperationException($"the registrar exited with {_registrar.ExitCode}");
            }

            try
            {
                using var response = _http.GetAsync("/version").GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException("the registrar did not answer");
    }

    // BenchmarkDotNet runs from a generated folder under bin/, so walk up to the repository root.
    private static string RegistrarDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Keylime.sln")))
            {
                foreach (var configuration in new[] { "Release", "Debug" })
                {
                    var dll = Path.Combine(dir.FullName, "src", "Registrar", "bin", configuration, "net10.0", "Keylime.Registrar.dll");
                    if (File.Exists(dll))
                    {
                        return dll;
                    }
                }
            }
        }

        throw new FileNotFoundException("build src/Registrar first: Keylime.Registrar.dll not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
