using System.Net;
using System.Security.Cryptography;
using Keylime.PushAgent.Configuration;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Keylime.PushAgent.Clients;

/// <summary>
/// Sends one logical request with Keylime's per-request retry rules (spec/push-agent.md §2.2):
/// connection errors, per-attempt timeouts, 5xx, 408 and 429 are retried after
/// min(initial × 2ⁿ, max) with no jitter, at most <c>max_retries</c> times; a failed response
/// carrying <c>Retry-After</c> is retried after the time it asks for (capped at the max delay).
/// Every attempt of one logical request carries the same <c>X-Request-ID</c> (PoP session calls
/// carry none, like the Rust agent's). The PoP session calls go through here too, so a 429 from the
/// verifier's session rate limiter is waited out as its <c>Retry-After</c> asks.
/// </summary>
public sealed class RetryingHttp
{
    private readonly HttpClient _client;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeProvider _time;

    public RetryingHttp(HttpClient client, BackoffSettings backoff, TimeSpan attemptTimeout, TimeProvider time, ILogger logger)
    {
        _client = client;
        _time = time;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (backoff.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = backoff.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = backoff.InitialDelay,
                MaxDelay = backoff.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, backoff.MaxDelay, time.GetUtcNow())),
                OnRetry = args =>
                {
                    var why = args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.Message;
                    logger.LogWarning("Request failed ({Reason}); retry {Attempt} of {Max} in {Delay:0.###} s",
                        why, args.AttemptNumber + 1, backoff.MaxRetries, args.RetryDelay.TotalSeconds);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.AddTimeout(attemptTimeout).Build();
    }

    public HttpClient Client => _client;

    public TimeProvider Time => _time;

    /// <summary>
    /// Sends the request <paramref name="build"/> makes (called once per attempt, because a request
    /// message cannot be sent twice) and returns the final response, which the caller disposes.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken, bool withRequestId = true)
    {
        var requestId = withRequestId ? NewRequestId() : null;
        return await _pipeline.ExecuteAsync(
            async ct =>
            {
                using var request = build();
                if (requestId is not null)
                {
                    request.Headers.TryAddWithoutValidation("X-Request-ID", requestId);
                }

                return await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            },
            cancellationToken);
    }

    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome)
    {
        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException or TimeoutRejectedException;
        }

        var response = outcome.Result!;
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            // A success is final even with Retry-After (the Rust agent would resend a PATCH, §9.8).
            return false;
        }

        return status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            || response.Headers.RetryAfter is not null;
    }

    /// <summary>The wait a response asks for (seconds or an HTTP date; a past date is 0), or null for the backoff schedule.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan max, DateTimeOffset now)
    {
        if (response?.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        var wait = header.Delta
            ?? (header.Date is { } date ? date - now : TimeSpan.Zero);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > max ? max : wait;
    }

    /// <summary>Six characters of [a-z0-9], as the Rust agent sends (its mock verifier checks the pattern).</summary>
    internal static string NewRequestId() => RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 6);
}
