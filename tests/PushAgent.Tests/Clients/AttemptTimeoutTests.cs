using System.Net;
using System.Net.Sockets;
using Keylime.PushAgent.Clients;
using Keylime.PushAgent.Configuration;
using Keylime.PushAgent.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keylime.PushAgent.Tests.Clients;

/// <summary>
/// spec/push-agent.md §2.2: a timed-out attempt is transient, so the next attempt goes out after
/// the backoff delay and gets its own chance — whether the first one hung waiting for the answer or
/// in the TLS handshake. The peers are real servers on 127.0.0.1.
/// </summary>
public sealed class AttemptTimeoutTests : IDisposable
{
    private readonly TestPki _pki = TestPki.Create();

    public void Dispose() => _pki.Dispose();

    private static RetryingHttp Http(string? caFile, TimeSpan attemptTimeout, TimeSpan initialDelay, TimeProvider time) =>
        new(HttpClients.Create(caFile, acceptAnyCertificate: false, acceptInvalidHostnames: false, connectTimeout: attemptTimeout),
            new BackoffSettings(initialDelay, 3, TimeSpan.FromSeconds(300)), attemptTimeout, time, NullLogger.Instance);

    [Fact]
    public async Task After_an_attempt_times_out_waiting_for_the_answer_the_retry_gets_the_answer()
    {
        var time = new WatchedTime();
        var hang = new TaskCompletionSource<PeerResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = 0;
        await using var peer = await FakePeer.StartAsync(
            _ => Interlocked.Increment(ref attempts) == 1 ? hang.Task : Task.FromResult(new PeerResponse(200)), _pki);
        var send = Http(_pki.CaFile, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), time)
            .SendAsync(() => new HttpRequestMessage(HttpMethod.Get, peer.Url), CancellationToken.None);
        await Eventually.True(() => peer.Received.Length == 1, "the first attempt reached the peer");
        await time.AdvanceWhenWaiting(TimeSpan.FromSeconds(5));
        await time.AdvanceWhenWaiting(TimeSpan.FromSeconds(10));
        using var response = await send.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, peer.Received.Length);
        hang.SetResult(new PeerResponse(500));
    }

    [Fact]
    public async Task After_an_attempt_times_out_in_the_TLS_handshake_the_retry_opens_a_new_connection()
    {
        // Real time: the stall is in the connection pool, which keeps the first attempt's connection
        // attempt alive for the next request; only a connect timeout of its own ends it.
        await using var verifier = await FakePeer.StartAsync(_ => new PeerResponse(200), _pki);
        using var front = new SilentFirstConnection(verifier.Url.Port);
        var url = new Uri($"https://127.0.0.1:{front.Port}/");
        var send = Http(_pki.CaFile, TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(100), TimeProvider.System)
            .SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), CancellationToken.None);
        using var response = await send.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(front.Connections >= 2, $"{front.Connections} connection(s)");
        Assert.Single(verifier.Received);
    }

    /// <summary>
    /// A TCP front for a server that accepts its first connection and never says a word (a TLS
    /// handshake that hangs), and relays every later connection to the real server.
    /// </summary>
    private sealed class SilentFirstConnection : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _clients = [];
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public SilentFirstConnection(int target)
        {
            _listener.Start();
            _ = Task.Run(() => AcceptAsync(target));
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync(int target)
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                lock (_clients)
                {
                    _clients.Add(client);
                }

                if (Interlocked.Increment(ref _connections) == 1)
                {
                    continue;
                }

                var upstream = new TcpClient();
                lock (_clients)
                {
                    _clients.Add(upstream);
                }

                await upstream.ConnectAsync(IPAddress.Loopback, target);
                _ = client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
                _ = upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients)
            {
                _clients.ForEach(c => c.Dispose());
            }

            _stop.Dispose();
        }
    }
}
