using System.Text;
using System.Text.Json.Serialization;
using Keylime.Verifier.Api;
using Keylime.Verifier.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Keylime.Verifier.Policies;

/// <summary>v3 runtime policy attributes. <c>runtime_policy</c> is the policy object itself, or its base64 text as in v2.</summary>
public sealed record ImaPolicyAttributes
{
    [JsonPropertyName("name")] public string? Name { get; init; }

    [JsonPropertyName("runtime_policy"), JsonConverter(typeof(JsonTextConverter))]
    public string? RuntimePolicy { get; init; }

    [JsonPropertyName("runtime_policy_key")] public string? RuntimePolicyKey { get; init; }

    [JsonPropertyName("tpm_policy"), JsonConverter(typeof(JsonTextConverter))]
    public string? TpmPolicy { get; init; }

    [JsonPropertyName("generator"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Generator { get; init; }

    [JsonPropertyName("checksum"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Checksum { get; init; }
}

/// <summary>v3 measured-boot reference state attributes.</summary>
public sealed record UefiRefstateAttributes
{
    [JsonPropertyName("name")] public string? Name { get; init; }

    [JsonPropertyName("mb_policy"), JsonConverter(typeof(JsonTextConverter))]
    public string? MbPolicy { get; init; }
}

/// <summary>
/// v3 policy routes (<c>/v3/policies/ima</c>, <c>/v3/refstates/uefi</c>; spec/verifier.md §2), which
/// Keylime answers with 500: here they work in JSON:API over the same stores as v2.
/// </summary>
public static class PoliciesV3Api
{
    public const string ImaType = "ima_policy";
    public const string UefiType = "uefi_refstate";

    public static IEndpointRouteBuilder MapPoliciesV3(this IEndpointRouteBuilder routes) =>
        routes.MapUnder(ApiVersions.V3Prefixes, MapPolicies);

    private static void MapPolicies(RouteGroupBuilder routes)
    {
        var ima = routes.MapGroup("/policies/ima").WithTags("Runtime policies (v3)")
            .RequireAuthorization(AccessPolicies.Admin).CheckNameRouteValue(jsonApi: true);
        ima.MapGet("/", async (HttpRequest request, RuntimePolicyStore store, CancellationToken ct) =>
            TypedResults.Ok(Collection(request, ImaType, await store.NamesAsync(ct), n => new ImaPolicyAttributes { Name = n })));
        ima.MapPost("/", (HttpRequest request, RuntimePolicyStore store, CancellationToken ct) => SaveIma(null, request, store, create: true, ct))
            .Accepts<JsonApiRequest<ImaPolicyAttributes>>("application/vnd.api+json", "application/json");
        ima.MapGet("/{name}", ShowIma);
        ima.MapPatch("/{name}", (string name, HttpRequest request, RuntimePolicyStore store, CancellationToken ct) =>
            SaveIma(name, request, store, create: false, ct)).Accepts<JsonApiRequest<ImaPolicyAttributes>>("application/vnd.api+json", "application/json");
        ima.MapDelete("/{name}", async (string name, HttpRequest request, RuntimePolicyStore store, CancellationToken ct) =>
            Deleted(await store.DeleteAsync(name, ct), request));

        var uefi = routes.MapGroup("/refstates/uefi").WithTags("Measured-boot reference states (v3)")
            .RequireAuthorization(AccessPolicies.Admin).CheckNameRouteValue(jsonApi: true);
        uefi.MapGet("/", async (HttpRequest request, MeasuredBootPolicyStore store, CancellationToken ct) =>
            TypedResults.Ok(Collection(request, UefiType, await store.NamesAsync(ct), n => new UefiRefstateAttributes { Name = n })));
        uefi.MapPost("/", (HttpRequest request, MeasuredBootPolicyStore store, CancellationToken ct) => SaveUefi(null, request, store, create: true, ct))
            .Accepts<JsonApiRequest<UefiRefstateAttributes>>("application/vnd.api+json", "application/json");
        uefi.MapGet("/{name}", ShowUefi);
        uefi.MapPatch("/{name}", (string name, HttpRequest request, MeasuredBootPolicyStore store, CancellationToken ct) =>
            SaveUefi(name, request, store, create: false, ct)).Accepts<JsonApiRequest<UefiRefstateAttributes>>("application/vnd.api+json", "application/json");
        uefi.MapDelete("/{name}", async (string name, HttpRequest request, MeasuredBootPolicyStore store, CancellationToken ct) =>
            Deleted(await store.DeleteAsync(name, ct), request));
    }

    private static JsonApiDocument<List<JsonApiResource<T>>> Collection<T>(HttpRequest request, string type, IReadOnlyList<string> names, Func<string, T> attributes) =>
        new(names.Select(n => new JsonApiResource<T>(type, n, attributes(n), new JsonApiLinks($"{request.Path.Value?.TrimEnd('/')}/{n}"))).ToList(),
            new JsonApiLinks(request.Path));

    private static string SelfLink(HttpRequest request, string kind, string name) => $"{ApiVersions.PrefixOf(request)}/{kind}/{name}";

    private static async Task<Results<Ok<JsonApiDocument<JsonApiResource<ImaPolicyAttributes>>>, JsonHttpResult<JsonApiErrorDocument>>> ShowIma(
        string name, HttpRequest request, RuntimePolicyStore store, CancellationToken cancellationToken)
    {
        var policy = await store.FindAsync(name, cancellationToken);
        if (policy is null)
        {
            return ApiFailure.NotFound($"Runtime policy {name} not found").ToJsonApi(request);
        }

        var attributes = new ImaPolicyAttributes
        {
            Name = policy.Name, RuntimePolicy = policy.ImaPolicy ?? "{}", TpmPolicy = policy.TpmPolicy,
            Generator = policy.Generator, Checksum = policy.Checksum,
        };
        return TypedResults.Ok(new JsonApiDocument<JsonApiResource<ImaPolicyAttributes>>(
            new(ImaType, policy.Name, attributes, new JsonApiLinks(SelfLink(request, "policies/ima", policy.Name))), new JsonApiLinks(request.Path)));
    }

    private static async Task<Results<Ok<JsonApiDocument<JsonApiResource<UefiRefstateAttributes>>>, JsonHttpResult<JsonApiErrorDocument>>> ShowUefi(
        string name, HttpRequest request, MeasuredBootPolicyStore store, CancellationToken cancellationToken)
    {
        var policy = await store.FindAsync(name, cancellationToken);
        return policy is null
            ? ApiFailure.NotFound($"mb_policy {name} not found").ToJsonApi(request)
            : TypedResults.Ok(new JsonApiDocument<JsonApiResource<UefiRefstateAttributes>>(
                new(UefiType, policy.Name, new UefiRefstateAttributes { Name = policy.Name, MbPolicy = policy.MbPolicy },
                    new JsonApiLinks(SelfLink(request, "refstates/uefi", policy.Name))), new JsonApiLinks(request.Path)));
    }

    private static async Task<Results<Created, Ok, JsonHttpResult<JsonApiErrorDocument>>> SaveIma(
        string? pathName, HttpRequest request, RuntimePolicyStore store, bool create, CancellationToken cancellationToken)
    {
        var document = await JsonApiResults.ReadAsync(request, VerifierJson.Default.JsonApiRequestImaPolicyAttributes, ImaType);
        if (document.Failure is { } readFailure)
        {
            return readFailure.ToJsonApi(request);
        }

        var data = document.Value!;
        var name = pathName ?? data.Id ?? data.Attributes!.Name;
        if (PolicyNames.Check(name) is { } nameFailure)
        {
            return nameFailure.ToJsonApi(request);
        }

        // An object is the policy itself; a string is base64 as in v2 (base64 never starts with '{').
        var policy = data.Attributes!.RuntimePolicy;
        var upload = new RuntimePolicyUpload
        {
            RuntimePolicy = policy is not null && policy.TrimStart().StartsWith('{') ? Convert.ToBase64String(Encoding.UTF8.GetBytes(policy)) : policy,
            RuntimePolicyKey = data.Attributes.RuntimePolicyKey,
            TpmPolicy = data.Attributes.TpmPolicy,
        };
        var failure = create ? await store.CreateAsync(name!, upload, cancellationToken) : await store.ReplaceAsync(name!, upload, cancellationToken);
        return failure is not null ? failure.ToJsonApi(request)
            : create ? TypedResults.Created(SelfLink(request, "policies/ima", name!))
            : TypedResults.Ok();
    }

    private static async Task<Results<Created, Ok, JsonHttpResult<JsonApiErrorDocument>>> SaveUefi(
        string? pathName, HttpRequest request, MeasuredBootPolicyStore store, bool create, CancellationToken cancellationToken)
    {
        var document = await JsonApiResults.ReadAsync(request, VerifierJson.Default.JsonApiRequestUefiRefstateAttributes, UefiType);
        if (document.Failure is { } readFailure)
        {
            return readFailure.ToJsonApi(request);
        }

        var data = document.Value!;
        var name = pathName ?? data.Id ?? data.Attributes!.Name;
        if (PolicyNames.Check(name) is { } nameFailure)
        {
            return nameFailure.ToJsonApi(request);
        }

        var upload = new MeasuredBootPolicyUpload { MbPolicy = data.Attributes!.MbPolicy };
        var failure = create ? await store.CreateAsync(name!, upload, cancellationToken) : await store.ReplaceAsync(name!, upload, cancellationToken);
        return failure is not null ? failure.ToJsonApi(request)
            : create ? TypedResults.Created(SelfLink(request, "refstates/uefi", name!))
            : TypedResults.Ok();
    }

    private static Results<NoContent, JsonHttpResult<JsonApiErrorDocument>> Deleted(ApiFailure? failure, HttpRequest request) =>
        failure is null ? TypedResults.NoContent() : failure.ToJsonApi(request);
}
