using System.Text.Json.Serialization;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Api;
using Keylime.Verifier.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Keylime.Verifier.Policies;

public sealed record RuntimePolicyNames([property: JsonPropertyName("runtimepolicy names")] IReadOnlyList<string> Names);

/// <summary><c>GET /v2.x/allowlists/{name}</c>. ⚠ Keylime's key is spelled <c>tmp_policy</c> and is always null; kept for the tenant.</summary>
public sealed record RuntimePolicyView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tmp_policy")] string? TmpPolicy,
    [property: JsonPropertyName("runtime_policy")] string? RuntimePolicy);

public sealed record MeasuredBootPolicyNames([property: JsonPropertyName("mbpolicy names")] IReadOnlyList<string> Names);

public sealed record MeasuredBootPolicyView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("mb_policy")] string? MbPolicy);

/// <summary>
/// Runtime (<c>/v2.x/allowlists</c>) and measured-boot (<c>/v2.x/mbpolicies</c>) policy storage as
/// Keylime's tenant uses it (spec/verifier.md §5): create/replace answer 201, delete 204.
/// </summary>
public static class PoliciesV2Api
{
    public static IEndpointRouteBuilder MapPoliciesV2(this IEndpointRouteBuilder routes) =>
        routes.MapUnder(ApiVersions.V2Prefixes, MapPolicies);

    private static void MapPolicies(RouteGroupBuilder routes)
    {
        var runtime = routes.MapGroup("/allowlists").WithTags("Runtime policies (v2)")
            .RequireAuthorization(AccessPolicies.Admin).CheckNameRouteValue(jsonApi: false);
        runtime.MapGet("/", async (RuntimePolicyStore store, CancellationToken ct) =>
            V2.Ok(new RuntimePolicyNames(await store.NamesAsync(ct))));
        runtime.MapGet("/{name}", GetRuntime).Produces<V2Response<EmptyResults>>(StatusCodes.Status404NotFound);
        runtime.MapPost("/{name}", (string name, HttpRequest request, RuntimePolicyStore store, CancellationToken ct) =>
            Upload(name, request, VerifierJson.Default.RuntimePolicyUpload, (n, body) => store.CreateAsync(n, body, ct)))
            .Accepts<RuntimePolicyUpload>("application/json").Produces<V2Response<EmptyResults>>(StatusCodes.Status409Conflict);
        runtime.MapPut("/{name}", (string name, HttpRequest request, RuntimePolicyStore store, CancellationToken ct) =>
            Upload(name, request, VerifierJson.Default.RuntimePolicyUpload, (n, body) => store.ReplaceAsync(n, body, ct)))
            .Accepts<RuntimePolicyUpload>("application/json").Produces<V2Response<EmptyResults>>(StatusCodes.Status404NotFound);
        runtime.MapDelete("/{name}", async (string name, RuntimePolicyStore store, CancellationToken ct) =>
            ToDeleted(await store.DeleteAsync(name, ct)));

        var mb = routes.MapGroup("/mbpolicies").WithTags("Measured-boot policies (v2)")
            .RequireAuthorization(AccessPolicies.Admin).CheckNameRouteValue(jsonApi: false);
        mb.MapGet("/", async (MeasuredBootPolicyStore store, CancellationToken ct) =>
            V2.Ok(new MeasuredBootPolicyNames(await store.NamesAsync(ct))));
        mb.MapGet("/{name}", GetMeasuredBoot).Produces<V2Response<EmptyResults>>(StatusCodes.Status404NotFound);
        mb.MapPost("/{name}", (string name, HttpRequest request, MeasuredBootPolicyStore store, CancellationToken ct) =>
            Upload(name, request, VerifierJson.Default.MeasuredBootPolicyUpload, (n, body) => store.CreateAsync(n, body, ct)))
            .Accepts<MeasuredBootPolicyUpload>("application/json").Produces<V2Response<EmptyResults>>(StatusCodes.Status409Conflict);
        mb.MapPut("/{name}", (string name, HttpRequest request, MeasuredBootPolicyStore store, CancellationToken ct) =>
            Upload(name, request, VerifierJson.Default.MeasuredBootPolicyUpload, (n, body) => store.ReplaceAsync(n, body, ct)))
            .Accepts<MeasuredBootPolicyUpload>("application/json").Produces<V2Response<EmptyResults>>(StatusCodes.Status404NotFound);
        mb.MapDelete("/{name}", async (string name, MeasuredBootPolicyStore store, CancellationToken ct) =>
            ToDeleted(await store.DeleteAsync(name, ct)));
    }

    private static async Task<Results<Ok<V2Response<RuntimePolicyView>>, JsonHttpResult<V2Response<EmptyResults>>>> GetRuntime(
        string name, RuntimePolicyStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(name, cancellationToken) is { } policy
            ? V2.Ok(new RuntimePolicyView(policy.Name, null, policy.ImaPolicy))
            : V2.Status(404, $"Runtime policy {name} not found");

    private static async Task<Results<Ok<V2Response<MeasuredBootPolicyView>>, JsonHttpResult<V2Response<EmptyResults>>>> GetMeasuredBoot(
        string name, MeasuredBootPolicyStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(name, cancellationToken) is { } policy
            ? V2.Ok(new MeasuredBootPolicyView(policy.Name, policy.MbPolicy))
            : V2.Status(404, $"mb_policy {name} not found");

    private static async Task<Results<Created<V2Response<EmptyResults>>, JsonHttpResult<V2Response<EmptyResults>>>> Upload<T>(
        string name, HttpRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, Func<string, T, Task<ApiFailure?>> store)
        where T : class
    {
        var body = await RequestBodies.ReadAsync(request, typeInfo);
        if (body.Failure is { } bodyFailure)
        {
            return bodyFailure.ToV2();
        }

        return await store(name, body.Value!) is { } failure ? failure.ToV2() : V2.Created();
    }

    /// <summary>204 with no body on success, as Keylime.</summary>
    private static Results<NoContent, JsonHttpResult<V2Response<EmptyResults>>> ToDeleted(ApiFailure? failure) =>
        failure is null ? TypedResults.NoContent() : failure.ToV2();
}
