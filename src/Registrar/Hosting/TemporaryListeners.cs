using System.Net;
using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Keylime.Registrar.Hosting;

/// <summary>TEMPORARY until src/Hosting lands: ip:port (HTTP) and ip:tls_port (HTTPS, optional client cert).</summary>
public static class TemporaryListeners
{
    public static WebApplicationBuilder UseRegistrarListeners(this WebApplicationBuilder builder, RegistrarOptions options)
    {
        var tlsDir = options.TlsDir == "default" ? Path.Combine(options.KeylimeDir, "cv_ca") : options.TlsDir;
        var cert = X509Certificate2.CreateFromPemFile(Path.Combine(tlsDir, "server-cert.crt"), Path.Combine(tlsDir, "server-private.pem"));
        cert = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(options.KeylimeDir, "cv_ca", "cacert.crt"));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxUploadSize;
            var ip = IPAddress.Parse(options.Ip);
            k.Listen(ip, options.Port);
            k.Listen(ip, options.TlsPort, l => l.UseHttps(h =>
            {
                h.ServerCertificate = cert;
                h.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                h.ClientCertificateValidation = (c, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(c);
                };
            }));
        });
        return builder;
    }
}
