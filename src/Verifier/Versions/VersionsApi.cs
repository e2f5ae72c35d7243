using System.Text.Json.Serialization;
using Keylime.Verifier.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Keylime.Verifier.Versions;

public sealed record VersionInfo(
    [property: JsonPropertyName("current_version")] string CurrentVersion,
    [property: JsonPropertyName("supported_versions")] IReadOnlyList<string> SupportedVersions);

/// <summary>
/// Public server information (spec/verifier.md §2). Keylime's push-mode verifier answers
/// <c>GET /version</c> with 410 Gone, after which the tenant falls back to its own current version.
/// We answer 200 with <c>current_version</c> 2.6 and the supported versions instead: the tenant
/// drops 3.x from the list, negotiates the highest common version (2.6) and ends up at the same
/// place, while other clients learn that v3 is served.
/// </summary>
public static class VersionsApi
{
    public static IEndpointRouteBuilder MapVersions(this IEndpointRouteBuilder routes)
    {
        var info = routes.MapGroup("").WithTags("Server information");
        info.MapGet("/version", Versions);
        info.MapGet("/versions", Versions);
        info.MapGet("/", () => TypedResults.Redirect("/v3.0/", permanent: false, preserveMethod: true))
            .ExcludeFromDescription();
        routes.MapUnder(ApiVersions.V3Prefixes, v3 => v3.MapGet("/", () => TypedResults.Ok()).WithTags("Server information"));
        routes.MapUnder(ApiVersions.V2Prefixes, v2 => v2.MapGet("/", () =>
            V2.Status(StatusCodes.Status405MethodNotAllowed, "Not Implemented: Use /agents/ interface instead")).WithTags("Server information"));
        return routes;
    }

    private static Ok<V2Response<VersionInfo>> Versions() =>
        V2.Ok(new VersionInfo(ApiVersions.Current, ApiVersions.Supported));
}
