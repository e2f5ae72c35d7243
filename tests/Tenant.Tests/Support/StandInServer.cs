using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Keylime.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Keylime.Tenant.Tests.Support;

/// <summary>A request the stand-in received.</summary>
public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body, string? ClientCertificateSubject)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// FAKE PEER FOR CLIENT TESTS ONLY: a real Kestrel HTTPS server on 127.0.0.1 (free port, real TLS
/// with the test CA, client certificate required like Keylime's admin routes) that answers each
/// request with a canned response — in these tests the responses Keylime's verifier/registrar gave
/// in spec/captures. It implements no Keylime logic; the real servers are tested against the tenant
/// end to end elsewhere.
/// </summary>
public sealed class StandInServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string Method, string Path), Queue<(int Status, string? Body)>> _routes = new();
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private StandInServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Starts on a free port with <paramref name="serverCertificate"/>, trusting client certificates from <paramref name="clientCa"/>.</summary>
    public static async Task<StandInServer> StartAsync(X509Certificate2 serverCertificate, X509Certificate2 clientCa)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = serverCertificate;
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, clientCa);
        })));
        var app = builder.Build();
        StandInServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        server = new StandInServer(app, port);
        await app.StartAsync();
        return server;
    }

    /// <summary>Forgets routes and received requests (the server is shared by the tests of a class).</summary>
    public void Reset()
    {
        _routes.Clear();
        _received.Clear();
    }

    /// <summary>Answers <paramref name="method"/> <paramref name="pathAndQuery"/> with this status and body (queued: the last one repeats).</summary>
    public StandInServer On(string method, string pathAndQuery, int status, string? body)
    {
        _routes.GetOrAdd((method, pathAndQuery), _ => new Queue<(int, string?)>()).Enqueue((status, body));
        return this;
    }

    /// <summary>Answers with a captured exchange (its method, path, status and response body).</summary>
    public StandInServer Replay(CapturedExchange exchange, Func<string, string>? edit = null) =>
        On(exchange.Method, exchange.Path, exchange.Status, exchange.ResponseBody is { } b && edit is not null ? edit(b) : exchange.ResponseBody);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var pathAndQuery = request.Path + request.QueryString;
        _received.Enqueue(new ReceivedRequest(
            request.Method,
            pathAndQuery,
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            buffer.ToArray(),
            context.Connection.ClientCertificate?.Subject));
        if (!_routes.TryGetValue((request.Method, pathAndQuery), out var answers))
        {
            context.Response.StatusCode = 404; // like Keylime's router: unknown path, empty body
            return;
        }

        var (status, body) = answers.Count > 1 ? answers.Dequeue() : answers.Peek();
        context.Response.StatusCode = status;
        if (body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        }
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
