using Keylime.Hosting;
using Keylime.Registrar.Agents;
using Keylime.Registrar.Api;
using Keylime.Registrar.Storage;
using Keylime.Shared.Configuration;
using Keylime.Shared.Security;
using Keylime.Shared.Tpm;

namespace Keylime.Registrar;

/// <summary>Service registration of the registrar; Program.cs stays a short list of calls.</summary>
public static class RegistrarServices
{
    public static WebApplicationBuilder AddRegistrar(this WebApplicationBuilder builder, RegistrarOptions options)
    {
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(ResolvePolicy(options));
        services.AddSingleton<AgentLocks>();
        services.AddScoped<RegistrationService>();
        services.AddScoped<ActivationService>();
        services.AddScoped<AgentDirectory>();
        services.AddRegistrarDatabase(options);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, RegistrarJsonContext.Default));
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o => o.SwaggerDoc("v1", new() { Title = "Keylime registrar", Version = ApiVersions.Current }));
        return builder;
    }

    /// <summary>
    /// ip:port plain HTTP and ip:tls_port HTTPS (client certificate optional, verified against
    /// trusted_client_ca when sent), body cap max_upload_size. TLS material per tls_dir
    /// (<c>default</c> = the verifier's cv_ca, <c>generate</c> = reg_ca created on first start).
    /// </summary>
    public static WebApplicationBuilder ListenAsConfigured(this WebApplicationBuilder builder, RegistrarOptions options)
    {
        var tls = TlsMaterial.ForRegistrar(options);
        builder.Services.AddSingleton(tls);
        builder.WebHost.UseKeylimeKestrel(new KeylimeListenOptions
        {
            Ip = options.Ip,
            HttpPorts = [options.Port],
            HttpsPorts = [options.TlsPort],
            MaxRequestBodySize = options.MaxUploadSize,
            Tls = tls,
        });
        return builder;
    }

    /// <summary>
    /// The EK trust store is enforced only when the configured <c>tpm_cert_store</c> exists and holds
    /// certificates: Keylime's default path is set whether or not the operator provisioned it.
    /// </summary>
    private static RegistrationPolicy ResolvePolicy(RegistrarOptions options)
    {
        TpmCertStore? store = null;
        if (!string.IsNullOrWhiteSpace(options.TpmCertStore) && Directory.Exists(options.TpmCertStore))
        {
            var loaded = TpmCertStore.Load(options.TpmCertStore);
            store = loaded.Count > 0 ? loaded : null;
        }

        return new RegistrationPolicy
        {
            TpmIdentity = options.TpmIdentity,
            MaxUploadSize = options.MaxUploadSize,
            EkTrustStore = store,
        };
    }
}
