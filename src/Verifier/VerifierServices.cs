using Keylime.Shared.Configuration;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Api;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Keylime.Verifier.Identity;
using Keylime.Verifier.Policies;
using Keylime.Verifier.Sessions;
using Keylime.Verifier.Verification;
using Keylime.Verifier.Monitoring;
using Microsoft.AspNetCore.Authorization;

namespace Keylime.Verifier;

/// <summary>The verifier's services, feature by feature.</summary>
public static class VerifierServices
{
    /// <summary>Everything but hosting: options, storage, identity, agents, policies, JSON.</summary>
    public static IServiceCollection AddVerifier(this IServiceCollection services, VerifierOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddVerifierDatabase(options);
        services.AddVerifierIdentity();
        services.AddAgents();
        services.AddPolicies();
        services.AddSessions();
        services.AddAttestations();
        services.AddVerification();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, VerifierJson.Default));
        return services;
    }

    /// <summary>The verification queue and workers, and the timeout monitor (both hosted services).</summary>
    public static IServiceCollection AddVerification(this IServiceCollection services)
    {
        services.AddSingleton<VerificationQueue>();
        services.AddSingleton<RuntimePolicyCache>();
        services.AddSingleton<EvidenceVerifier>();
        services.AddSingleton<VerificationRecorder>();
        services.AddSingleton<VerificationWorkers>();
        services.AddHostedService(sp => sp.GetRequiredService<VerificationWorkers>());
        services.AddSingleton<TimeoutMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<TimeoutMonitor>());
        return services;
    }

    public static IServiceCollection AddAgents(this IServiceCollection services) =>
        services
            .AddScoped<AgentEnrollment>()
            .AddScoped<AgentRegistry>();

    public static IServiceCollection AddPolicies(this IServiceCollection services) =>
        services
            .AddSingleton<IRuntimePolicyValidator, SchemaRuntimePolicyValidator>()
            .AddScoped<RuntimePolicyStore>()
            .AddScoped<MeasuredBootPolicyStore>();

    /// <summary>
    /// Identity of spec §1 as one authentication scheme, Keylime's access classes as policies, and
    /// JSON:API-shaped denials. The sessions feature replaces <see cref="IAgentTokenValidator"/>.
    /// </summary>
    public static IServiceCollection AddVerifierIdentity(this IServiceCollection services)
    {
        services.AddAuthentication(Identities.Scheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, IdentityAuthenticationHandler>(Identities.Scheme, null);
        services.AddAuthorizationBuilder().AddKeylimeAccessPolicies();
        services.AddSingleton<IAuthorizationHandler, KeylimeAccessHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, DenialResultHandler>();
        services.AddSingleton<IAgentTokenValidator, NoTokensValidator>();
        return services;
    }

    /// <summary>Authentication, the bearer gate (401 before anything else), then authorization.</summary>
    public static WebApplication UseVerifierIdentity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseMiddleware<BearerTokenGate>();
        app.UseAuthorization();
        return app;
    }
}
