using System.Collections.Concurrent;
using System.Net;
using Keylime.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>One request as the fake peer received it.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, bool OverTls)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>What the fake peer answers.</summary>
public sealed record PeerResponse(int Status, string Body = "", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A FAKE PEER, not a mock of our code: a small Kestrel server on 127.0.0.1 (a free port, real TLS
/// when given a certificate) that answers the agent from a script and records every request. It
/// stands in for Keylime's verifier/registrar, replaying recorded answers, where the real servers
/// cannot produce a given answer on demand (a 503 with Retry-After, a 422, a recorded exchange).
/// </summary>
public sealed class FakePeer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakePeer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static Task<FakePeer> StartAsync(Func<RecordedRequest, PeerResponse> respond, TestPki? tls) =>
        StartAsync(r => Task.FromResult(respond(r)), tls);

    public static async Task<FakePeer> StartAsync(Func<RecordedRequest, Task<PeerResponse>> respond, TestPki? tls)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
        {
            if (tls is not null)
            {
                listen.UseHttps(tls.ServerCertificate);
            }
        }));
        var app = builder.Build();
        var url = new Uri($"{(tls is null ? "http" : "https")}://127.0.0.1:{port}/");
        var peer = new FakePeer(app, url);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var recorded = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body, context.Request.IsHttps);
            peer.Requests.Enqueue(recorded);
            var pending = respond(recorded);
            await Task.WhenAny(pending, Task.Delay(Timeout.Infinite, context.RequestAborted)).ConfigureAwait(false);
            if (!pending.IsCompleted)
            {
                return; // the client gave up on this request (its timeout); nothing to answer
            }

            var answer = await pending;
            context.Response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            if (answer.Body.Length > 0)
            {
                context.Response.ContentType ??= "application/vnd.api+json";
                await context.Response.WriteAsync(answer.Body);
            }
        });
        await app.StartAsync();
        return peer;
    }

    public RecordedRequest[] Received => Requests.ToArray();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
