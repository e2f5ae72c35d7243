using Keylime.Registrar.Api;

namespace Keylime.Registrar.Versions;

/// <summary>Version probes (spec/registrar.md §4.1–4.2): public, on both listeners.</summary>
public static class VersionEndpoints
{
    public static IEndpointRouteBuilder MapVersions(this IEndpointRouteBuilder app)
    {
        var versions = app.MapGroup("").WithTags("Versions");
        versions.MapGet("/version", () => Answer.Ok(new VersionResults(ApiVersions.Current, ApiVersions.Supported)))
            .WithSummary("Current and supported API versions");

        // Keylime's v3 handler ends in a 500 at the analysed snapshot (spec §3); we answer as documented.
        foreach (var prefix in ApiVersions.V3Prefixes)
        {
            versions.MapGet($"/{prefix}", () => Answer.Ok()).WithSummary("v3 root probe");
        }
        return app;
    }
}
