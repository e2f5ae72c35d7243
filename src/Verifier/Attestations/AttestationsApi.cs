using System.Globalization;
using Keylime.Verifier.Api;
using Keylime.Verifier.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// <c>/v3[.0]/agents/{agent_id}/attestations</c> (spec/verifier.md §7): POST and PATCH by the agent
/// itself (PoP token), GETs by admins or the agent reading its own — 200, not Keylime's 201.
/// </summary>
public static class AttestationsApi
{
    public static IServiceCollection AddAttestations(this IServiceCollection services) =>
        services
            .AddSingleton<AttestationTiming>()
            .AddSingleton<AttestationQueries>()
            .AddSingleton<PendingAttestations>()
            .AddSingleton<Agents.IAgentRemovalListener>(sp => sp.GetRequiredService<PendingAttestations>())
            .AddSingleton<RecentVerdicts>()
            .AddSingleton<Agents.IAgentRemovalListener>(sp => sp.GetRequiredService<RecentVerdicts>())
            .AddSingleton<CarriedSnapshots>()
            .AddSingleton<Agents.IAgentRemovalListener>(sp => sp.GetRequiredService<CarriedSnapshots>())
            .AddScoped<AttestationService>()
            .AddScoped<EvidenceIntake>();

    public static IEndpointRouteBuilder MapAttestations(this IEndpointRouteBuilder routes) =>
        routes.MapUnder(ApiVersions.V3Prefixes, version =>
        {
            var group = version.MapGroup("/agents/{agent_id}/attestations").WithTags("Attestations");
            group.MapPost("/", Create).RequireAuthorization(AccessPolicies.AgentOnly)
                .Accepts<JsonApiRequest<AttestationRequestAttributes>>("application/vnd.api+json", "application/json");
            group.MapPatch("/{index}", Submit).RequireAuthorization(AccessPolicies.AgentOnly)
                .Accepts<JsonApiRequest<AttestationRequestAttributes>>("application/vnd.api+json", "application/json");
            group.MapGet("/", (string agent_id, HttpRequest request, AttestationService service, CancellationToken ct) => List(agent_id, null, request, service, ct))
                .RequireAuthorization(AccessPolicies.AgentOrAdmin);
            group.MapGet("/{index}", Show).RequireAuthorization(AccessPolicies.AgentOrAdmin);
        });

    private static async Task<Results<JsonHttpResult<JsonApiDocument<JsonApiResource<AttestationAttributes>>>, JsonHttpResult<JsonApiErrorDocument>>> Create(
        [FromRoute(Name = "agent_id")] string agentId, HttpContext context, AttestationService service, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var body = await RequestBodies.ReadAsync(request, ProtocolJson.Default.JsonApiRequestAttestationRequestAttributes);
        if (body.Failure is { } readFailure)
        {
            return Error(context, readFailure);
        }

        var data = body.Value!.Data;
        if (data?.Type != AttestationResources.ResourceType || data.Attributes is null)
        {
            return Error(context, ApiFailure.BadRequest("data.type must be 'attestation' with attributes", "/data/type"));
        }

        var (created, refusal) = await service.CreateAsync(agentId, data.Attributes, cancellationToken);
        if (refusal is not null)
        {
            return Error(context, refusal.Failure, refusal.RetryAfter);
        }

        var prefix = ApiVersions.PrefixOf(request);
        var resource = AttestationResources.Resource(prefix, created!, requestedOnly: true);
        // The Rust agent refuses a 201 without Location and PATCHes exactly that URL (Keylime omits it).
        context.Response.Headers.Location = resource.Links!.Self;
        return TypedResults.Json(new JsonApiDocument<JsonApiResource<AttestationAttributes>>(resource, resource.Links),
            ProtocolJson.Default.JsonApiDocumentJsonApiResourceAttestationAttributes, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<Results<JsonHttpResult<JsonApiMetaDocument<JsonApiResource<AttestationAttributes>>>, JsonHttpResult<JsonApiErrorDocument>>> Submit(
        [FromRoute(Name = "agent_id")] string agentId, string index, HttpContext context, EvidenceIntake intake, AttestationTiming timing,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        var body = await RequestBodies.ReadAsync(request, ProtocolJson.Default.JsonApiRequestAttestationRequestAttributes);
        if (body.Failure is { Status: not 400 } tooLarge)
        {
            return Error(context, tooLarge);
        }

        var (accepted, refusal) = await intake.SubmitAsync(agentId, index, body.Value?.Data, cancellationToken);
        if (refusal is not null)
        {
            return Error(context, refusal.Failure, refusal.RetryAfter);
        }

        if (body.Failure is { } malformed)
        {
            return Error(context, malformed);
        }

        var resource = AttestationResources.Resource(ApiVersions.PrefixOf(request), accepted!, requestedOnly: false);
        var document = new JsonApiMetaDocument<JsonApiResource<AttestationAttributes>>(resource,
            new AttestationMeta(timing.SecondsAfterEvidence), new Api.JsonApiLinks(request.Path));
        return TypedResults.Json(document, ProtocolJson.Default.JsonApiMetaDocumentJsonApiResourceAttestationAttributes,
            statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<Results<JsonHttpResult<JsonApiDocument<List<JsonApiResource<AttestationAttributes>>>>, JsonHttpResult<JsonApiErrorDocument>>> List(
        string agentId, string? index, HttpRequest request, AttestationService service, CancellationToken cancellationToken)
    {
        var found = await service.ListAsync(agentId, index, cancellationToken);
        if (found is null)
        {
            return Error(request.HttpContext, ApiFailure.NotFound(AttestationService.AgentNotFound));
        }

        var prefix = ApiVersions.PrefixOf(request);
        var resources = found.Select(a => AttestationResources.Resource(prefix, a, requestedOnly: false)).ToList();
        return TypedResults.Json(new JsonApiDocument<List<JsonApiResource<AttestationAttributes>>>(resources, new JsonApiLinks(request.Path)),
            ProtocolJson.Default.JsonApiDocumentListJsonApiResourceAttestationAttributes);
    }

    private static async Task<Results<JsonHttpResult<JsonApiDocument<JsonApiResource<AttestationAttributes>>>, JsonHttpResult<JsonApiErrorDocument>>> Show(
        [FromRoute(Name = "agent_id")] string agentId, string index, HttpRequest request, AttestationService service, CancellationToken cancellationToken)
    {
        var found = await service.ListAsync(agentId, index, cancellationToken);
        if (found is null || found.Count == 0)
        {
            return Error(request.HttpContext, ApiFailure.NotFound(found is null ? AttestationService.AgentNotFound : $"attestation {index} not found"));
        }

        var resource = AttestationResources.Resource(ApiVersions.PrefixOf(request), found[0], requestedOnly: false);
        return TypedResults.Json(new JsonApiDocument<JsonApiResource<AttestationAttributes>>(resource, new JsonApiLinks(request.Path)),
            ProtocolJson.Default.JsonApiDocumentJsonApiResourceAttestationAttributes);
    }

    private static JsonHttpResult<JsonApiErrorDocument> Error(HttpContext context, ApiFailure failure, int? retryAfter = null)
    {
        if (retryAfter is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return failure.ToJsonApi(context.Request);
    }
}
