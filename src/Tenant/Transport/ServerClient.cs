using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keylime.Tenant.Transport;

/// <summary>
/// HTTPS client for one Keylime server (verifier or registrar) with the tenant's mTLS identity.
/// Requests look like the Python tenant's (python-requests): <c>Accept: */*</c>, bodies sent as raw
/// bytes without a Content-Type (Keylime posts <c>data=json.dumps(...)</c>). Transport failures become
/// one-line <see cref="TenantException"/>s naming the server: unreachable, TLS failure (with the
/// certificate problem), timeout.
/// </summary>
public sealed class ServerClient : IDisposable
{
    /// <summary>The tenant's own API version, used when a server has no usable <c>/version</c> (push-mode verifiers answer 410).</summary>
    public const string CurrentApiVersion = "2.6";

    // Keylime's tenant negotiates among its versions below 3.0 (it does not implement v3).
    private static readonly string[] TenantApiVersions = ["1.0", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6"];

    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;
    private string? _tlsProblem;
    private string? _apiVersion;

    public ServerClient(KeylimeServer server, TlsCredentials tls, TimeSpan timeout)
    {
        Server = server;
        _timeout = timeout;
        var handler = new SocketsHttpHandler
        {
            SslOptions = tls.ClientOptions(reason => _tlsProblem = reason),
            ConnectTimeout = timeout,
            AllowAutoRedirect = false,
        };
        _http = new HttpClient(handler) { BaseAddress = server.BaseUri, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("keylime-tenant", "2.6"));
    }

    public KeylimeServer Server { get; }

    /// <summary>
    /// The API version to use with this server, negotiated once like Keylime's tenant: <c>GET /version</c>,
    /// highest common version below 3.0; a failed probe, a 410 (push-mode verifier) or an unusable answer
    /// falls back to <see cref="CurrentApiVersion"/>; a server with no common version is a failure.
    /// </summary>
    public async Task<string> ApiVersionAsync(CancellationToken ct)
    {
        if (_apiVersion is not null)
        {
            return _apiVersion;
        }

        ServerResponse probe;
        try
        {
            probe = await SendAsync(HttpMethod.Get, "/version", null, ct);
        }
        catch (TenantException)
        {
            return _apiVersion = CurrentApiVersion; // the real request reports the transport failure
        }

        return _apiVersion = Negotiate(probe);
    }

    private string Negotiate(ServerResponse probe)
    {
        if (probe.Status != 200 || probe.Results["supported_versions"] is not JsonArray offered)
        {
            return CurrentApiVersion;
        }

        var common = offered.Select(v => v is JsonValue value && value.TryGetValue<string>(out var s) ? s : null)
            .Where(v => v is not null && TenantApiVersions.Contains(v))
            .Select(v => Version.Parse(v!))
            .ToList();
        if (common.Count == 0)
        {
            throw new TenantException(
                $"No compatible API version with {Server.Display}. Tenant supports: {string.Join(", ", TenantApiVersions)}, server supports: {offered.ToJsonString()}");
        }

        return common.Max()!.ToString(2);
    }

    /// <summary><c>path</c> under the negotiated version prefix, e.g. <c>/v2.6/agents/x</c>.</summary>
    public async Task<ServerResponse> SendVersionedAsync(HttpMethod method, string path, byte[]? body, CancellationToken ct) =>
        await SendAsync(method, $"/v{await ApiVersionAsync(ct)}{path}", body, ct);

    /// <summary>Sends one request; any transport failure is a one-line <see cref="TenantException"/>.</summary>
    public async Task<ServerResponse> SendAsync(HttpMethod method, string pathAndQuery, byte[]? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body); // no Content-Type, as python-requests with data=str
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        _tlsProblem = null;
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            return new ServerResponse(response.StatusCode, response.ReasonPhrase, ParseBody(text));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TenantException($"{Server.Display} timed out after {_timeout.TotalSeconds:0.#} s ({method} {pathAndQuery})");
        }
        catch (HttpRequestException e)
        {
            throw Describe(e, method, pathAndQuery);
        }
    }

    private TenantException Describe(HttpRequestException e, HttpMethod method, string path)
    {
        if (_tlsProblem is not null || e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            var reason = _tlsProblem ?? Innermost(e).Message;
            return new TenantException($"TLS failure talking to {Server.Display}: {reason}", e);
        }

        if (e.HttpRequestError == HttpRequestError.ResponseEnded)
        {
            // TLS 1.3 servers check the client certificate after the handshake and just close the connection.
            return new TenantException(
                $"{Server.Display} closed the connection without answering (it may have rejected the client certificate)", e);
        }

        if (Innermost(e) is SocketException socket)
        {
            var what = socket.SocketErrorCode == SocketError.ConnectionRefused ? "Connection refused" : socket.Message;
            return new TenantException($"Cannot connect to {Server.Display}: {what}", e);
        }

        return new TenantException($"{method} {path} to {Server.Display} failed: {Innermost(e).Message}", e);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static JsonNode? ParseBody(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return Output.PythonJson.Loads(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
