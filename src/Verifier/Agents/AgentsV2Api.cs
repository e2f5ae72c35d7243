using Microsoft.AspNetCore.Mvc;
using System.Text.Json.Serialization;
using Keylime.Verifier.Api;
using Keylime.Verifier.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Keylime.Verifier.Agents;

/// <summary><c>GET /v2.x/agents/</c> without <c>bulk</c>: each id wrapped in a one-element list, as Keylime answers.</summary>
public sealed record AgentIdList([property: JsonPropertyName("uuids")] IReadOnlyList<IReadOnlyList<string>> Uuids);

/// <summary>
/// The admin agent API as Keylime's tenant uses it (spec/verifier.md §2, §4): enroll, status,
/// list / bulk status, delete, reactivate, stop — all in the v2 envelope.
/// </summary>
public static class AgentsV2Api
{
    public static IEndpointRouteBuilder MapAgentsV2(this IEndpointRouteBuilder routes) =>
        routes.MapUnder(ApiVersions.V2Prefixes, version => MapAgents(version.MapGroup("/agents").WithTags("Agents (v2)")));

    private static void MapAgents(RouteGroupBuilder agents)
    {

        agents.MapGet("/", List).RequireAuthorization(AccessPolicies.Admin);
        agents.MapGet("/{agent_id}", Status).RequireAuthorization(AccessPolicies.AgentOrAdmin)
            .Produces<V2Response<EmptyResults>>(StatusCodes.Status400BadRequest)
            .Produces<V2Response<EmptyResults>>(StatusCodes.Status404NotFound);
        agents.MapPost("/{agent_id}", Enroll).RequireAuthorization(AccessPolicies.Admin)
            .Accepts<EnrollRequest>("application/json")
            .Produces<V2Response<EmptyResults>>(StatusCodes.Status400BadRequest)
            .Produces<V2Response<EmptyResults>>(StatusCodes.Status404NotFound)
            .Produces<V2Response<EmptyResults>>(StatusCodes.Status409Conflict);
        agents.MapDelete("/{agent_id}", Delete).RequireAuthorization(AccessPolicies.Admin)
            .Produces<V2Response<EmptyResults>>(StatusCodes.Status404NotFound);
        agents.MapPut("/{agent_id}/reactivate", Reactivate).RequireAuthorization(AccessPolicies.Admin)
            .Produces<V2Response<EmptyResults>>(StatusCodes.Status404NotFound);
        agents.MapPut("/{agent_id}/stop", Stop).RequireAuthorization(AccessPolicies.Admin)
            .Produces<V2Response<EmptyResults>>(StatusCodes.Status404NotFound);
    }

    /// <summary>The failure in Keylime's v2 envelope.</summary>
    public static JsonHttpResult<V2Response<EmptyResults>> ToV2(this ApiFailure failure) => V2.Status(failure.Status, failure.Message);

    private static async Task<Results<Ok<V2Response<AgentIdList>>, Ok<V2Response<Dictionary<string, AgentStatus>>>>> List(
        HttpRequest request, AgentRegistry registry, CancellationToken cancellationToken)
    {
        var verifier = request.Query["verifier"].ToString();
        if (request.Query.ContainsKey("bulk"))
        {
            var statuses = await registry.BulkStatusAsync(verifier, includeExtras: false, cancellationToken);
            return V2.Ok(statuses.ToDictionary(s => s.AgentId, s => s.Status, StringComparer.Ordinal));
        }

        var ids = await registry.IdsAsync(verifier, cancellationToken);
        return V2.Ok(new AgentIdList(ids.Select(id => (IReadOnlyList<string>)[id]).ToList()));
    }

    private static async Task<Results<Ok<V2Response<AgentStatus>>, JsonHttpResult<V2Response<EmptyResults>>>> Status(
        [FromRoute(Name = "agent_id")] string agentId, AgentRegistry registry, CancellationToken cancellationToken)
    {
        if (!AgentIds.IsValid(agentId))
        {
            return V2.Status(400, AgentIds.Invalid);
        }

        var status = await registry.StatusAsync(agentId, includeExtras: false, cancellationToken);
        return status is null ? V2.Status(404, AgentRegistry.NotFoundMessage) : V2.Ok(status);
    }

    private static async Task<Results<Ok<V2Response<EmptyResults>>, JsonHttpResult<V2Response<EmptyResults>>>> Enroll(
        [FromRoute(Name = "agent_id")] string agentId, HttpRequest request, AgentEnrollment enrollment, CancellationToken cancellationToken)
    {
        if (!AgentIds.IsValid(agentId))
        {
            return V2.Status(400, AgentIds.Invalid);
        }

        var body = await RequestBodies.ReadAsync(request, VerifierJson.Default.EnrollRequest);
        if (body.Failure is { } bodyFailure)
        {
            return bodyFailure.ToV2();
        }

        var failure = await enrollment.EnrollAsync(agentId, body.Value!, cancellationToken);
        return failure is null ? V2.Ok() : failure.ToV2();
    }

    private static async Task<Results<Ok<V2Response<EmptyResults>>, JsonHttpResult<V2Response<EmptyResults>>>> Delete(
        [FromRoute(Name = "agent_id")] string agentId, AgentRegistry registry, CancellationToken cancellationToken) =>
        !AgentIds.IsValid(agentId) ? V2.Status(400, AgentIds.Invalid)
        : await registry.DeleteAsync(agentId, cancellationToken) is { } failure ? failure.ToV2()
        : V2.Ok();

    private static async Task<Results<Ok<V2Response<EmptyResults>>, JsonHttpResult<V2Response<EmptyResults>>>> Reactivate(
        [FromRoute(Name = "agent_id")] string agentId, AgentRegistry registry, CancellationToken cancellationToken) =>
        !AgentIds.IsValid(agentId) ? V2.Status(400, AgentIds.Invalid)
        : await registry.ReactivateAsync(agentId, cancellationToken) is { } failure ? failure.ToV2()
        : V2.Ok();

    private static async Task<Results<Ok<V2Response<EmptyResults>>, JsonHttpResult<V2Response<EmptyResults>>>> Stop(
        [FromRoute(Name = "agent_id")] string agentId, AgentRegistry registry, CancellationToken cancellationToken) =>
        !AgentIds.IsValid(agentId) ? V2.Status(400, AgentIds.Invalid)
        : await registry.StopAsync(agentId, cancellationToken) is { } failure ? failure.ToV2()
        : V2.Ok();
}
