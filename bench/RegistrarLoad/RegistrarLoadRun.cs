using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Keylime.RegistrarLoad;

/// <summary>
/// Drives a registrar the way the Rust agent does at start-up, over and over with fresh agent IDs:
/// <c>POST /v2.6/agents/{id}</c> (EK + AK) → 200 with the MakeCredential blob → ActivateCredential
/// with the software EK → <c>PUT /v2.6/agents/{id}</c> with the auth_tag → 200 (the registrar checked
/// the HMAC and marked the agent active). One operation = both requests succeeded.
/// </summary>
public sealed class RegistrarLoadRun(RegistrarLoadOptions options, IReadOnlyList<SoftwareIdentity> identities, HttpClient http)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly Dictionary<string, (int Count, string Sample)> _failures = new(StringComparer.Ordinal);
    private long _next;
    private long _completed;
    private volatile bool _measuring;
    private readonly List<double>[] _latencies = Enumerable.Range(0, options.Concurrency).Select(_ => new List<double>()).ToArray();

    public async Task<RegistrarLoadReport> RunAsync()
    {
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, options.Concurrency).Select(i => Task.Run(() => WorkerAsync(i, stop.Token))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(options.Warmup));

        var load0 = ProcessCpu.LoadAverage();
        var server0 = ProcessCpu.Read(options.RegistrarPid);
        var client0 = ProcessCpu.Read(null);
        var done0 = Interlocked.Read(ref _completed);
        var clock = Stopwatch.StartNew();
        _measuring = true;
        await Task.Delay(TimeSpan.FromSeconds(options.Duration));
        _measuring = false;
        var done1 = Interlocked.Read(ref _completed);
        var elapsed = clock.Elapsed;
        var server1 = ProcessCpu.Read(options.RegistrarPid);
        var client1 = ProcessCpu.Read(null);
        var load1 = ProcessCpu.LoadAverage();

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        lock (_failures)
        {
            return new RegistrarLoadReport(
                done1 - done0, elapsed, server1 - server0, client1 - client0, load0, load1,
                _latencies.SelectMany(l => l).Order().ToArray(), new Dictionary<string, (int, string)>(_failures));
        }
    }

    private async Task WorkerAsync(int worker, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _next);
            var identity = identities[(int)(n % identities.Count)];
            var agentId = $"{options.AgentPrefix}-{n}";
            var started = Stopwatch.GetTimestamp();
            try
            {
                if (await RegisterAndActivateAsync(identity, agentId, stop))
                {
                    Interlocked.Increment(ref _completed);
                    if (_measuring)
                    {
                        _latencies[worker].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or System.Security.Cryptography.CryptographicException or TaskCanceledException)
            {
                Fail(e.GetType().Name, e.Message);
            }
        }
    }

    private async Task<bool> RegisterAndActivateAsync(SoftwareIdentity identity, string agentId, CancellationToken stop)
    {
        using var registration = await SendAsync(HttpMethod.Post, agentId, identity.RegistrationBody, stop);
        if (registration is null)
        {
            return false;
        }

        var blob = registration.RootElement.GetProperty("results").GetProperty("blob").GetString()
            ?? throw new JsonException("results.blob is null");
        var authTag = identity.AuthTag(blob, agentId);
        using var activation = await SendAsync(HttpMethod.Put, agentId, Encoding.UTF8.GetBytes($"{{\"auth_tag\":\"{authTag}\"}}"), stop);
        return activation is not null;
    }

    /// <summary>The parsed answer when 200, else null after recording the failure by method and status.</summary>
    private async Task<JsonDocument?> SendAsync(HttpMethod method, string agentId, byte[] body, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(method, $"/v2.6/agents/{agentId}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        using var response = await http.SendAsync(request, stop);
        var bytes = await response.Content.ReadAsByteArrayAsync(stop);
        if (!response.IsSuccessStatusCode)
        {
            Fail($"{method} {(int)response.StatusCode}", Encoding.UTF8.GetString(bytes));
            return null;
        }

        return JsonDocument.Parse(bytes);
    }

    private void Fail(string kind, string sample)
    {
        lock (_failures)
        {
            _failures[kind] = _failures.TryGetValue(kind, out var seen) ? (seen.Count + 1, seen.Sample) : (1, sample.Length > 300 ? sample[..300] : sample);
        }
    }
}

public sealed record RegistrarLoadReport(
    long Operations, TimeSpan Elapsed, TimeSpan? ServerCpu, TimeSpan? ClientCpu, string LoadBefore, string LoadAfter,
    double[] LatenciesMs, IReadOnlyDictionary<string, (int Count, string Sample)> Failures)
{
    public void Print(RegistrarLoadOptions options, TextWriter output)
    {
        var perOp = (TimeSpan? cpu) => cpu is { } c && Operations > 0 ? $"{c.TotalMilliseconds / Operations:F3} ms" : "n/a";
        output.WriteLine($"registrar load: EK {options.Ek}, AK {options.Ak}, concurrency {options.Concurrency}, {options.Identities} identities, {options.Duration:F0} s measured after {options.Warmup:F0} s warm-up");
        output.WriteLine($"register+activate/s      {Operations / Elapsed.TotalSeconds:F1}   ({Operations} in {Elapsed.TotalSeconds:F1} s)");
        output.WriteLine($"latency p50/p99          {Percentile(0.50):F1} / {Percentile(0.99):F1} ms");
        output.WriteLine($"registrar CPU/op         {perOp(ServerCpu)}{(options.RegistrarPid is null ? " (no --registrar-pid)" : "")}");
        output.WriteLine($"client CPU/op            {perOp(ClientCpu)}");
        output.WriteLine($"load average (1 min)     {LoadBefore} -> {LoadAfter}");
        output.WriteLine($"failures                 {Failures.Values.Sum(f => f.Count)}");
        foreach (var (kind, (count, sample)) in Failures)
        {
            output.WriteLine($"  {kind}: {count}  e.g. {sample}");
        }
    }

    private double Percentile(double p) =>
        LatenciesMs.Length == 0 ? double.NaN : LatenciesMs[Math.Min(LatenciesMs.Length - 1, (int)(p * LatenciesMs.Length))];
}
