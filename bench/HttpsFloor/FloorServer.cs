using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Keylime.HttpsFloor;

/// <summary>
/// Kestrel with the verifier's listener settings (HTTP/1.1 + 2, TLS 1.2/1.3, optional client certificates)
/// and a P-256 certificate made at start, answering the cycle's three routes with fixed bodies.
/// </summary>
public static class FloorServer
{
    private const string MediaType = "application/vnd.api+json";

    public static async Task<int> RunAsync(int port)
    {
        using var certificate = Certificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                });
            });
        });
        await using var app = builder.Build();
        var created = Json(700); // a capabilities answer: requested evidence with chosen parameters
        var accepted = "{\"meta\":{\"seconds_to_next_attestation\":1}}"u8.ToArray();
        var verdict = Json(1500); // an attestation with its evidence echoed
        app.MapPost("/v3.0/agents/{id}/attestations", async (HttpContext context, string id) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.Headers.Location = $"/v3.0/agents/{id}/attestations/1";
            await Write(context, created);
        });
        app.MapMethods("/v3.0/agents/{id}/attestations/{index}", ["PATCH"], async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            await Write(context, accepted);
        });
        app.MapGet("/v3.0/agents/{id}/attestations/{index}", (HttpContext context) => Write(context, verdict));
        await app.RunAsync();
        return 0;
    }

    private static Task Write(HttpContext context, byte[] body)
    {
        context.Response.ContentType = MediaType;
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    private static byte[] Json(int size)
    {
        var body = new byte[size];
        Array.Fill(body, (byte)'a');
        body[0] = body[^1] = (byte)'"';
        return body;
    }

    private static X509Certificate2 Certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
    }
}
