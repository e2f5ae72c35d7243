using System.Net;
using System.Security.Authentication;
using Keylime.Shared.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Keylime.Hosting;

/// <summary>Where and how a Keylime server listens.</summary>
public sealed record KeylimeListenOptions
{
    /// <summary>Bind address (<c>[verifier] ip</c>, <c>[registrar] ip</c>); <c>0.0.0.0</c>/<c>::</c> mean all interfaces.</summary>
    public required string Ip { get; init; }

    /// <summary>HTTPS ports (verifier <c>port</c>, registrar <c>tls_port</c>).</summary>
    public IReadOnlyList<int> HttpsPorts { get; init; } = [];

    /// <summary>Plain-HTTP ports (registrar <c>port</c>); none for the verifier.</summary>
    public IReadOnlyList<int> HttpPorts { get; init; } = [];

    /// <summary>Request body cap (<c>max_upload_size</c>, default 100 MiB).</summary>
    public long MaxRequestBodySize { get; init; } = 104857600;

    /// <summary>Server certificate and trusted client CAs; required when <see cref="HttpsPorts"/> is not empty.</summary>
    public TlsMaterial? Tls { get; init; }
}

/// <summary>
/// Kestrel set up as Keylime's servers (spec/verifier.md §1, spec/registrar.md §1): TLS ≥ 1.2,
/// a client certificate is optional at the handshake, but one that is sent must chain to
/// <c>trusted_client_ca</c> or the handshake fails; plain-HTTP listeners where the component has
/// them; the body limit from <c>max_upload_size</c>.
/// </summary>
public static class KeylimeKestrel
{
    /// <summary>Applies <paramref name="options"/> to the web host (replaces any URLs from ASPNETCORE_URLS).</summary>
    public static IWebHostBuilder UseKeylimeKestrel(this IWebHostBuilder builder, KeylimeListenOptions options) =>
        builder.UseKestrel(k => k.ConfigureKeylime(options));

    /// <summary>Applies <paramref name="options"/> to Kestrel's options.</summary>
    public static void ConfigureKeylime(this KestrelServerOptions kestrel, KeylimeListenOptions options)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodySize;
        var address = ParseAddress(options.Ip);
        foreach (var port in options.HttpsPorts)
        {
            var tls = options.Tls ?? throw new InvalidOperationException("HTTPS ports need TLS material (KeylimeListenOptions.Tls)");
            kestrel.Listen(address, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https => ConfigureHttps(https, tls));
            });
        }

        foreach (var port in options.HttpPorts)
        {
            kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1);
        }
    }

    /// <summary>TLS settings of an HTTPS listener: certificate, protocols, optional-but-verified client certificates.</summary>
    public static void ConfigureHttps(HttpsConnectionAdapterOptions https, TlsMaterial tls)
    {
        https.ServerCertificate = tls.ServerCertificate;
        https.ServerCertificateChain = tls.ServerChain;
        https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
        https.CheckCertificateRevocation = false;
        // Returning false here fails the TLS handshake: a certificate from another CA never reaches a handler.
        https.ClientCertificateValidation = (certificate, chain, _) => tls.ValidateClientCertificate(certificate, chain);
    }

    private static IPAddress ParseAddress(string ip) => ip.Trim() switch
    {
        "" or "0.0.0.0" or "*" => IPAddress.Any,
        "::" => IPAddress.IPv6Any,
        "localhost" => IPAddress.Loopback,
        var s when IPAddress.TryParse(s.Trim('[', ']'), out var a) => a,
        var s => throw new Keylime.Shared.Configuration.KeylimeConfigException(
            $"invalid configuration: ip = '{s}': expected an IP address to bind"),
    };
}
