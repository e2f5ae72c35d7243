using System.Diagnostics;
using System.Globalization;

namespace Keylime.HttpsFloor;

/// <summary>
/// AGENTS loops of POST + PATCH + GET over one pooled HttpClient (as the load generator's agents), 10 s of
/// warm-up, then SECONDS measured: cycles/s and the CPU per cycle of the server and of this client.
/// </summary>
public static class FloorClient
{
    private const string Token = "Bearer 0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef0123456789abcdef";

    public static async Task<int> RunAsync(Uri server, int agents, int seconds, int serverPid)
    {
        using var handler = new SocketsHttpHandler();
        // The floor server's certificate is self-signed and made at its start: only the chain cannot be checked.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            errors is System.Net.Security.SslPolicyErrors.None or System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors
            && certificate?.Subject == "CN=127.0.0.1";
        using var http = new HttpClient(handler);
        var capabilities = Body(400);
        var evidence = Body(1400);
        long cycles = 0;
        var measuring = false;
        using var stop = new CancellationTokenSource();

        async Task AgentAsync(int agent)
        {
            var attestations = new Uri(server, $"v3.0/agents/agent-{agent}/attestations");
            var latest = new Uri(server, $"v3.0/agents/agent-{agent}/attestations/1");
            while (!stop.IsCancellationRequested)
            {
                await SendAsync(http, HttpMethod.Post, attestations, capabilities);
                await SendAsync(http, HttpMethod.Patch, latest, evidence);
                await SendAsync(http, HttpMethod.Get, latest, null);
                if (Volatile.Read(ref measuring))
                {
                    Interlocked.Increment(ref cycles);
                }
            }
        }

        var loops = Enumerable.Range(0, agents).Select(a => Task.Run(() => AgentAsync(a))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var (server0, client0) = (Cpu(serverPid), Cpu(Environment.ProcessId));
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, false);
        var (server1, client1) = (Cpu(serverPid), Cpu(Environment.ProcessId));
        var elapsed = clock.Elapsed.TotalSeconds;
        var done = Interlocked.Read(ref cycles);
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"agents {agents}, {seconds} s: {done / elapsed:F0} cycles/s (3 HTTPS requests each); server CPU/cycle {(server1 - server0) * 1000 / done:F3} ms; client CPU/cycle {(client1 - client0) * 1000 / done:F3} ms"));
        return 0;
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, Uri url, byte[]? body)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("Authorization", Token);
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.api+json");
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/vnd.api+json");
        }

        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
    }

    private static byte[] Body(int size)
    {
        var body = new byte[size];
        Array.Fill(body, (byte)'b');
        return body;
    }

    // utime + stime in seconds, from /proc/<pid>/stat (USER_HZ = 100).
    private static double Cpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
