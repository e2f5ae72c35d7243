namespace Keylime.Verifier.Api;

/// <summary>
/// Path prefixes (spec/verifier.md §2): v2 routes answer under <c>/v2</c>, <c>/v2.0</c>…<c>/v2.6</c>,
/// v3 routes under <c>/v3</c> and <c>/v3.0</c>. Each prefix is mapped as literal routes (so a known
/// path with another method is 405, as in Keylime); only the current prefix of each major version
/// appears in the OpenAPI document.
/// </summary>
public static class ApiVersions
{
    public const string Current = "2.6";

    /// <summary>What <c>GET /version</c> advertises; 1.0 routes are not served.</summary>
    public static readonly IReadOnlyList<string> Supported = ["2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.0"];

    public static readonly IReadOnlyList<string> V2Prefixes = ["/v2.6", "/v2", "/v2.0", "/v2.1", "/v2.2", "/v2.3", "/v2.4", "/v2.5"];

    public static readonly IReadOnlyList<string> V3Prefixes = ["/v3.0", "/v3"];

    /// <summary>Maps <paramref name="map"/> under every prefix; the first is the documented one.</summary>
    public static IEndpointRouteBuilder MapUnder(this IEndpointRouteBuilder routes, IReadOnlyList<string> prefixes, Action<RouteGroupBuilder> map)
    {
        for (var i = 0; i < prefixes.Count; i++)
        {
            var group = routes.MapGroup(prefixes[i]);
            if (i > 0)
            {
                group.ExcludeFromDescription();
            }

            map(group);
        }

        return routes;
    }

    /// <summary>The version prefix the request came in on (<c>/v3.0</c>, <c>/v2</c>…), for self links.</summary>
    public static string PrefixOf(HttpRequest request)
    {
        var path = request.Path.Value ?? "";
        var end = path.IndexOf('/', 1);
        return end < 0 ? path : path[..end];
    }
}
