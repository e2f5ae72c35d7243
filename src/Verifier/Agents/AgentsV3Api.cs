using Keylime.Verifier.Api;
using Keylime.Verifier.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Keylime.Verifier.Agents;

/// <summary>
/// The v3 agent admin routes (spec/verifier.md §2), which Keylime registers but answers with 500:
/// here they work, in JSON:API, with the same rules as v2. Resources are <c>{"type": "agent",
/// "id": agent_id, "attributes": status}</c>.
/// </summary>
public static class AgentsV3Api
{
    public const string ResourceType = "agent";

    public static IEndpointRouteBuilder MapAgentsV3(this IEndpointRouteBuilder routes) =>
        routes.MapUnder(ApiVersions.V3Prefixes, version => MapAgents(version.MapGroup("/agents").WithTags("Agents (v3)")));

    private static void MapAgents(RouteGroupBuilder agents)
    {
        agents.MapGet("/", List).RequireAuthorization(AccessPolicies.Admin);
        agents.MapPost("/", (HttpRequest request, AgentEnrollment enrollment, AgentRegistry registry, CancellationToken ct) =>
            Enroll(null, request, enrollment, registry, ct)).RequireAuthorization(AccessPolicies.Admin)
            .Accepts<JsonApiRequest<EnrollRequest>>("application/vnd.api+json", "application/json");
        agents.MapPost("/{agent_id}", ([FromRoute(Name = "agent_id")] string agentId, HttpRequest request, AgentEnrollment enrollment,
                AgentRegistry registry, CancellationToken ct) => Enroll(agentId, request, enrollment, registry, ct))
            .RequireAuthorization(AccessPolicies.Admin)
            .Accepts<JsonApiRequest<EnrollRequest>>("application/vnd.api+json", "application/json");
        agents.MapGet("/{agent_id}", Show).RequireAuthorization(AccessPolicies.AgentOrAdmin);
        agents.MapPatch("/{agent_id}", Patch).RequireAuthorization(AccessPolicies.Admin)
            .Accepts<JsonApiRequest<AgentPatch>>("application/vnd.api+json", "application/json");
        agents.MapDelete("/{agent_id}", Delete).RequireAuthorization(AccessPolicies.Admin);
    }

    private static JsonApiResource<AgentStatus> Resource(HttpRequest request, string agentId, AgentStatus status) =>
        new(ResourceType, agentId, status, new JsonApiLinks($"{ApiVersions.PrefixOf(request)}/agents/{agentId}"));

    private static async Task<Ok<JsonApiDocument<List<JsonApiResource<AgentStatus>>>>> List(
        HttpRequest request, AgentRegistry registry, CancellationToken cancellationToken)
    {
        var statuses = await registry.BulkStatusAsync(request.Query["verifier"].ToString(), includeExtras: true, cancellationToken);
        var resources = statuses.Select(s => Resource(request, s.AgentId, s.Status)).ToList();
        return TypedResults.Ok(new JsonApiDocument<List<JsonApiResource<AgentStatus>>>(resources, new JsonApiLinks(request.Path)));
    }

    private static async Task<Results<Ok<JsonApiDocument<JsonApiResource<AgentStatus>>>, JsonHttpResult<JsonApiErrorDocument>>> Show(
        [FromRoute(Name = "agent_id")] string agentId, HttpRequest request, AgentRegistry registry, CancellationToken cancellationToken)
    {
        if (!AgentIds.IsValid(agentId))
        {
            return ApiFailure.BadRequest(AgentIds.Invalid).ToJsonApi(request);
        }

        var status = await registry.StatusAsync(agentId, includeExtras: true, cancellationToken);
        return status is null
            ? ApiFailure.NotFound(AgentRegistry.NotFoundMessage).ToJsonApi(request)
            : TypedResults.Ok(new JsonApiDocument<JsonApiResource<AgentStatus>>(Resource(request, agentId, status), new JsonApiLinks(request.Path)));
    }

    private static async Task<Results<Created<JsonApiDocument<JsonApiResource<AgentStatus>>>, JsonHttpResult<JsonApiErrorDocument>>> Enroll(
        string? pathId, HttpRequest request, AgentEnrollment enrollment, AgentRegistry registry, CancellationToken cancellationToken)
    {
        var document = await JsonApiResults.ReadAsync(request, VerifierJson.Default.JsonApiRequestEnrollRequest, ResourceType);
        if (document.Failure is { } readFailure)
        {
            return readFailure.ToJsonApi(request);
        }

        var data = document.Value!;
        var agentId = pathId ?? data.Id ?? data.Attributes!.AgentId;
        if (!AgentIds.IsValid(agentId))
        {
            return ApiFailure.BadRequest(AgentIds.Invalid, "/data/id").ToJsonApi(request);
        }

        if (await enrollment.EnrollAsync(agentId!, data.Attributes!, cancellationToken) is { } failure)
        {
            return failure.ToJsonApi(request);
        }

        var resource = Resource(request, agentId!, (await registry.StatusAsync(agentId!, includeExtras: true, cancellationToken))!);
        return TypedResults.Created(resource.Links!.Self, new JsonApiDocument<JsonApiResource<AgentStatus>>(resource));
    }

    private static async Task<Results<Ok<JsonApiDocument<JsonApiResource<AgentStatus>>>, JsonHttpResult<JsonApiErrorDocument>>> Patch(
        [FromRoute(Name = "agent_id")] string agentId, HttpRequest request, AgentRegistry registry, CancellationToken cancellationToken)
    {
        if (!AgentIds.IsValid(agentId))
        {
            return ApiFailure.BadRequest(AgentIds.Invalid).ToJsonApi(request);
        }

        var document = await JsonApiResults.ReadAsync(request, VerifierJson.Default.JsonApiRequestAgentPatch, ResourceType);
        if (document.Failure is { } readFailure)
        {
            return readFailure.ToJsonApi(request);
        }

        if (await registry.PatchAsync(agentId, document.Value!.Attributes!, cancellationToken) is { } failure)
        {
            return failure.ToJsonApi(request);
        }

        var status = (await registry.StatusAsync(agentId, includeExtras: true, cancellationToken))!;
        return TypedResults.Ok(new JsonApiDocument<JsonApiResource<AgentStatus>>(Resource(request, agentId, status), new JsonApiLinks(request.Path)));
    }

    private static async Task<Results<NoContent, JsonHttpResult<JsonApiErrorDocument>>> Delete(
        [FromRoute(Name = "agent_id")] string agentId, HttpRequest request, AgentRegistry registry, CancellationToken cancellationToken) =>
        !AgentIds.IsValid(agentId) ? ApiFailure.BadRequest(AgentIds.Invalid).ToJsonApi(request)
        : await registry.DeleteAsync(agentId, cancellationToken) is { } failure ? failure.ToJsonApi(request)
        : TypedResults.NoContent();
}
