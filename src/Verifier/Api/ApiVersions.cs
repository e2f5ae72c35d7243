namespace Keylime.Verifier.Api;

/// <summary>
/// Path prefixes (spec/verifier.md §2): v2 routes answer under <c>/v2</c>, <c>/v2.0</c>…<c>/v2.6</c>,
/// v3 routes under <c>/v3</c> and <c>/v3.0</c>. Matched by route constraints so each route is one
/// endpoint (and one OpenAPI operation) instead of nine copies.
/// </summary>
public static class ApiVersions
{
    public const string Current = "2.6";

    /// <summary>What <c>GET /version</c> advertises; 1.0 routes are not served.</summary>
    public static readonly IReadOnlyList<string> Supported = ["2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.0"];

    public const string V2Prefix = "/{api_version:keylime_v2}";

    public const string V3Prefix = "/{api_version:keylime_v3}";

    public static IServiceCollection AddApiVersionConstraints(this IServiceCollection services) =>
        services.Configure<RouteOptions>(options =>
        {
            options.SetParameterPolicy<V2Constraint>("keylime_v2");
            options.SetParameterPolicy<V3Constraint>("keylime_v3");
        });

    private static readonly HashSet<string> V2 = ["v2", "v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v2.6"];

    private static readonly HashSet<string> V3 = ["v3", "v3.0"];

    private sealed class V2Constraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            values.TryGetValue(routeKey, out var value) && value is string s && V2.Contains(s);
    }

    private sealed class V3Constraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            values.TryGetValue(routeKey, out var value) && value is string s && V3.Contains(s);
    }
}
