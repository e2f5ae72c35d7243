using Keylime.Verifier.Api;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Keylime.Verifier.Sessions;

/// <summary>
/// <c>POST /v3[.0]/sessions</c> and <c>PATCH /v3[.0]/sessions/{session_id}</c> (spec/verifier.md §6):
/// public routes — the caller is getting a token, so it has none yet.
/// </summary>
public static class SessionsApi
{
    public const string ResourceType = "session";

    /// <summary>Session services; replaces part 1's no-token stand-in with the database-backed validator.</summary>
    public static IServiceCollection AddSessions(this IServiceCollection services) =>
        services
            .AddSingleton<PendingSessions>()
            .AddSingleton<SessionRateLimits>()
            .AddScoped<SessionService>()
            .AddSingleton<TokenCache>()
            .AddSingleton<Agents.IAgentRemovalListener>(sp => sp.GetRequiredService<TokenCache>())
            .Replace(ServiceDescriptor.Singleton<Identity.IAgentTokenValidator, DatabaseTokenValidator>());

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder routes) =>
        routes.MapUnder(ApiVersions.V3Prefixes, version =>
        {
            var sessions = version.MapGroup("/sessions").WithTags("Sessions");
            sessions.MapPost("/", Create).Accepts<JsonApiRequest<SessionRequestAttributes>>("application/vnd.api+json", "application/json");
            sessions.MapPatch("/{session_id}", Complete).Accepts<JsonApiRequest<SessionRequestAttributes>>("application/vnd.api+json", "application/json");
        });

    private static async Task<Results<JsonHttpResult<JsonApiDocument<JsonApiResource<SessionAttributes>>>, JsonHttpResult<JsonApiErrorDocument>>> Create(
        HttpContext context, SessionRateLimits limits, SessionService sessions)
    {
        var request = context.Request;
        if (limits.TryAcquireForIp(context.Connection.RemoteIpAddress?.ToString() ?? "unknown") is { } ipWait)
        {
            return TooMany(context, ipWait, "Too many session requests from this address");
        }

        var document = await JsonApiResults.ReadAsync(request, ProtocolJson.Default.JsonApiRequestSessionRequestAttributes, ResourceType);
        if (document.Failure is { } readFailure)
        {
            return readFailure.ToJsonApi(request);
        }

        var attributes = document.Value!.Attributes!;
        if (string.IsNullOrEmpty(attributes.AgentId))
        {
            return ApiFailure.BadRequest("agent_id is required", "/data/attributes/agent_id").ToJsonApi(request);
        }

        if (limits.TryAcquireForAgent(attributes.AgentId) is { } agentWait)
        {
            return TooMany(context, agentWait, $"Too many session requests for agent {attributes.AgentId}");
        }

        if (attributes.AuthenticationSupported?.Any(a => a?.AuthenticationType == AuthenticationEntry.TpmPop) != true)
        {
            return ApiFailure.BadRequest("authentication_supported must include tpm_pop authentication type",
                "/data/attributes/authentication_supported").ToJsonApi(request);
        }

        var session = sessions.Create(attributes.AgentId);
        return Document(request, session.SessionId, SessionService.Created(session), StatusCodes.Status200OK);
    }

    private static async Task<Results<JsonHttpResult<JsonApiDocument<JsonApiResource<SessionAttributes>>>, JsonHttpResult<JsonApiErrorDocument>>> Complete(
        [FromRoute(Name = "session_id")] string sessionId, HttpRequest request, SessionService sessions, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(sessionId, out var id))
        {
            return ApiFailure.NotFound("Session not found").ToJsonApi(request);
        }

        var document = await JsonApiResults.ReadAsync(request, ProtocolJson.Default.JsonApiRequestSessionRequestAttributes, ResourceType);
        if (document.Failure is { } readFailure)
        {
            return readFailure.ToJsonApi(request);
        }

        var verdict = await sessions.CompleteAsync(id, document.Value!.Attributes!, cancellationToken);
        return verdict.Failure is { } failure
            ? failure.ToJsonApi(request)
            : Document(request, id, verdict.Value!.Attributes, verdict.Value.Status);
    }

    private static JsonHttpResult<JsonApiDocument<JsonApiResource<SessionAttributes>>> Document(
        HttpRequest request, Guid id, SessionAttributes attributes, int status) =>
        TypedResults.Json(
            new JsonApiDocument<JsonApiResource<SessionAttributes>>(new JsonApiResource<SessionAttributes>(ResourceType, id.ToString("D"), attributes),
                new JsonApiLinks(request.Path)),
            ProtocolJson.Default.JsonApiDocumentJsonApiResourceSessionAttributes,
            statusCode: status);

    private static JsonHttpResult<JsonApiErrorDocument> TooMany(HttpContext context, int seconds, string message)
    {
        context.Response.Headers.RetryAfter = SessionRateLimits.RetryAfterHeader(seconds);
        return new ApiFailure(StatusCodes.Status429TooManyRequests, message, "too_many_requests").ToJsonApi(context.Request);
    }
}
