using System.Globalization;
using System.Net;
using Keylime.PushAgent.Clients;
using Keylime.PushAgent.Configuration;
using Keylime.PushAgent.Tests.Support;
using Keylime.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Timeout;

namespace Keylime.PushAgent.Tests.Clients;

/// <summary>
/// Per-request retries (spec/push-agent.md §2.2): delay before retry n = min(initial × 2ⁿ, max),
/// no jitter, at most max_retries retries; transient = connection error, timeout, 5xx, 408, 429;
/// Retry-After is honoured (seconds or HTTP date). Time is fake; the peer is a real HTTP server.
/// </summary>
public sealed class RetryScheduleTests : IAsyncDisposable
{
    private readonly WatchedTime _time = new();
    private FakePeer? _peer;

    public async ValueTask DisposeAsync()
    {
        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }
    }

    private RetryingHttp Http(BackoffSettings backoff, TimeSpan? attemptTimeout = null) =>
        new(HttpClients.Create(null, acceptAnyCertificate: false, acceptInvalidHostnames: false), backoff,
            attemptTimeout ?? TimeSpan.FromHours(1), _time, NullLogger.Instance);

    private async Task<Uri> Peer(Func<int, PeerResponse> byAttempt)
    {
        var attempt = 0;
        _peer = await FakePeer.StartAsync(_ => byAttempt(Interlocked.Increment(ref attempt)), tls: null);
        return _peer.Url;
    }

    private static HttpRequestMessage Get(Uri url) => new(HttpMethod.Get, url);

    [Fact]
    public async Task Transient_failures_are_retried_after_10_20_40_80_160_seconds_then_returned()
    {
        var url = await Peer(_ => new PeerResponse(503));
        var send = Http(new BackoffSettings()).SendAsync(() => Get(url), CancellationToken.None);
        var expected = new[] { 10, 20, 40, 80, 160 };
        for (var i = 0; i < expected.Length; i++)
        {
            await _time.AdvanceWhenWaiting(TimeSpan.FromSeconds(expected[i]));
            await Eventually.True(() => _peer!.Received.Length == i + 2, $"attempt {i + 2}");
        }

        using var response = await send;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(6, _peer!.Received.Length);
        Assert.Single(_peer.Received.Select(r => r.Header("X-Request-ID")).Distinct());
        Assert.Equal(expected.Select(s => TimeSpan.FromSeconds(s)), _time.Timers.Where(t => t < TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task The_delay_is_capped_at_the_max_delay()
    {
        var url = await Peer(_ => new PeerResponse(500));
        var send = Http(new BackoffSettings(TimeSpan.FromSeconds(10), 6, TimeSpan.FromSeconds(60))).SendAsync(() => Get(url), CancellationToken.None);
        foreach (var (seconds, occurrence) in new[] { (10, 1), (20, 1), (40, 1), (60, 1), (60, 2), (60, 3) })
        {
            await _time.AdvanceWhenWaiting(TimeSpan.FromSeconds(seconds), occurrence);
        }

        using var response = await send;
        Assert.Equal(7, _peer!.Received.Length);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(502)]
    public async Task Request_timeout_too_many_requests_and_5xx_are_transient(int status)
    {
        var url = await Peer(n => new PeerResponse(n == 1 ? status : 200));
        var send = Http(new BackoffSettings()).SendAsync(() => Get(url), CancellationToken.None);
        await _time.AdvanceWhenWaiting(TimeSpan.FromSeconds(10));
        using var response = await send;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(422)]
    public async Task Other_client_errors_are_returned_at_once(int status)
    {
        var url = await Peer(_ => new PeerResponse(status));
        using var response = await Http(new BackoffSettings()).SendAsync(() => Get(url), CancellationToken.None);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Single(_peer!.Received);
    }

    [Fact]
    public async Task Retry_after_in_seconds_replaces_the_backoff_delay()
    {
        var url = await Peer(n => n == 1 ? new PeerResponse(429, "", new Dictionary<string, string> { ["Retry-After"] = "3" }) : new PeerResponse(200));
        var send = Http(new BackoffSettings()).SendAsync(() => Get(url), CancellationToken.None);
        await _time.AdvanceWhenWaiting(TimeSpan.FromSeconds(3));
        using var response = await send;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(TimeSpan.FromSeconds(10), _time.Timers);
    }

    [Fact]
    public async Task Retry_after_as_an_HTTP_date_waits_until_that_date()
    {
        var at = _time.GetUtcNow().AddSeconds(45).ToString("r", CultureInfo.InvariantCulture);
        var url = await Peer(n => n == 1 ? new PeerResponse(503, "", new Dictionary<string, string> { ["Retry-After"] = at }) : new PeerResponse(200));
        var send = Http(new BackoffSettings()).SendAsync(() => Get(url), CancellationToken.None);
        await _time.AdvanceWhenWaiting(TimeSpan.FromSeconds(45));
        using var response = await send;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Retry_after_longer_than_the_max_delay_is_capped()
    {
        var url = await Peer(n => n == 1 ? new PeerResponse(503, "", new Dictionary<string, string> { ["Retry-After"] = "86400" }) : new PeerResponse(200));
        var send = Http(new BackoffSettings()).SendAsync(() => Get(url), CancellationToken.None);
        await _time.AdvanceWhenWaiting(TimeSpan.FromSeconds(300));
        using var response = await send;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_success_carrying_retry_after_is_not_sent_again()
    {
        var url = await Peer(_ => new PeerResponse(202, "", new Dictionary<string, string> { ["Retry-After"] = "5" }));
        using var response = await Http(new BackoffSettings()).SendAsync(() => Get(url), CancellationToken.None);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Single(_peer!.Received);
    }

    [Fact]
    public async Task Connection_errors_are_retried_then_reported()
    {
        var closed = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var send = Http(new BackoffSettings(TimeSpan.FromSeconds(10), 2, TimeSpan.FromSeconds(300))).SendAsync(() => Get(closed), CancellationToken.None);
        await _time.AdvanceWhenWaiting(TimeSpan.FromSeconds(10));
        await _time.AdvanceWhenWaiting(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAsync<HttpRequestException>(() => send);
    }

    [Fact]
    public async Task An_attempt_that_outlasts_the_timeout_is_abandoned()
    {
        var hang = new TaskCompletionSource<PeerResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _peer = await FakePeer.StartAsync(_ => hang.Task, tls: null);
        var send = Http(new BackoffSettings(TimeSpan.FromSeconds(10), 0, TimeSpan.FromSeconds(300)), attemptTimeout: TimeSpan.FromSeconds(5))
            .SendAsync(() => Get(_peer.Url), CancellationToken.None);
        await _time.AdvanceWhenWaiting(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TimeoutRejectedException>(() => send);
        hang.SetResult(new PeerResponse(500));
    }

    [Fact]
    public void Timeouts_and_connection_errors_are_transient_other_exceptions_are_not()
    {
        Assert.True(RetryingHttp.ShouldRetry(Outcome.FromException<HttpResponseMessage>(new TimeoutRejectedException())));
        Assert.True(RetryingHttp.ShouldRetry(Outcome.FromException<HttpResponseMessage>(new HttpRequestException("refused"))));
        Assert.False(RetryingHttp.ShouldRetry(Outcome.FromException<HttpResponseMessage>(new InvalidOperationException())));
    }
}
