using Keylime.Registrar.Admin;
using Keylime.Registrar.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Keylime.Registrar.Agents;

/// <summary>
/// The agent routes of spec/registrar.md §2.1 under every routed version prefix, plus the v2
/// compatibility forms the Rust agent uses (<c>POST /v2.x/agents/{id}</c>, <c>PUT /v2.x/agents/{id}</c>).
/// v3 drops those, so they answer 405 there like Keylime.
/// </summary>
public static class AgentEndpoints
{
    public const string InvalidData = "Could not register agent with invalid data";
    public const string IdentityChanged = "Agent re-registration with different TPM identity is forbidden for security reasons";
    public const string MalformedRequest = "Malformed Request Parameter";
    public const string BodyTooLarge = "Request Entity Too Large";

    public static IEndpointRouteBuilder MapAgents(this IEndpointRouteBuilder app)
    {
        // Literal prefixes rather than a {version} parameter, so an unknown prefix is a clean 404 and
        // never a 405 borrowed from a sibling route. OpenAPI documents the newest 2.x and 3.x forms.
        foreach (var prefix in ApiVersions.AllPrefixes)
        {
            var agents = app.MapGroup($"/{prefix}/agents").WithTags("Agents");
            Document(agents, prefix);
            agents.MapGet("", List).AddEndpointFilter<AdminOnly>().WithSummary("List every registered agent ID (admin, HTTPS + client certificate)");
            agents.MapGet("{agentId}", Show).AddEndpointFilter<AdminOnly>().WithSummary("Show an activated agent (admin)");
            agents.MapDelete("{agentId}", Delete).AddEndpointFilter<AdminOnly>().WithSummary("Delete an agent, active or not (admin)");
            agents.MapPost("", RegisterFromBody).WithSummary("Register an agent; agent_id in the body");
            agents.MapPost("{agentId}/activate", Activate).WithSummary("Activate with the auth_tag proving ActivateCredential");
            if (ApiVersions.V2Prefixes.Contains(prefix))
            {
                agents.MapPost("{agentId}", Register).WithSummary("Register an agent (v2 form the Rust agent uses)");
                agents.MapPut("{agentId}/activate", Activate).WithSummary("Activate (v2 documented form)");
                agents.MapPut("{agentId}", Activate).WithSummary("Activate (v2 form the Rust agent uses)");
            }
        }

        return app;
    }

    private static void Document(RouteGroupBuilder group, string prefix)
    {
        if (prefix is not ("v2.6" or "v3.0"))
        {
            group.ExcludeFromDescription();
        }
    }

    private static async Task<KeylimeResult<AgentListResults>> List(AgentDirectory directory, CancellationToken cancellationToken) =>
        Answer.Ok(new AgentListResults(await directory.ListAsync(cancellationToken)));

    private static async Task<Results<KeylimeResult<AgentResults>, KeylimeResult<EmptyResults>>> Show(
        string agentId, AgentDirectory directory, CancellationToken cancellationToken)
    {
        var (status, agent) = await directory.ShowAsync(agentId, cancellationToken);
        return status switch
        {
            ShowStatus.Found => Answer.Ok(agent!),
            ShowStatus.NotActivated => Answer.NotFound($"Agent with ID '{agentId}' has not been activated"),
            _ => Answer.NotFound($"Agent with ID '{agentId}' not found"),
        };
    }

    private static async Task<KeylimeResult<EmptyResults>> Delete(string agentId, AgentDirectory directory, CancellationToken cancellationToken) =>
        await directory.DeleteAsync(agentId, cancellationToken) ? Answer.Ok() : Answer.NotFound($"Agent with ID '{agentId}' not found");

    private static async Task<Results<KeylimeResult<BlobResults>, KeylimeResult<EmptyResults>>> RegisterFromBody(
        HttpRequest http, RegistrationService service, [FromServices] RegistrationPolicy policy, CancellationToken cancellationToken)
    {
        using var body = await JsonBody.ReadAsync(http, policy.MaxUploadSize, cancellationToken);
        if (BodyProblem(http, body) is { } problem)
        {
            return problem;
        }

        // The collection route names the agent in the body; without a string agent_id there is nothing to register.
        if (!body.TryGet("agent_id", out var id) || id.ValueKind != System.Text.Json.JsonValueKind.String)
        {
            return Answer.BadRequest(InvalidData);
        }

        return await RegisterCore(id.GetString()!, body, service, cancellationToken);
    }

    private static async Task<Results<KeylimeResult<BlobResults>, KeylimeResult<EmptyResults>>> Register(
        string agentId, HttpRequest http, RegistrationService service, [FromServices] RegistrationPolicy policy, CancellationToken cancellationToken)
    {
        using var body = await JsonBody.ReadAsync(http, policy.MaxUploadSize, cancellationToken);
        if (BodyProblem(http, body) is { } problem)
        {
            return problem;
        }

        // When the path names the agent, the path wins over any agent_id in the body (spec §2.1).
        return await RegisterCore(agentId, body, service, cancellationToken);
    }

    private static async Task<Results<KeylimeResult<BlobResults>, KeylimeResult<EmptyResults>>> RegisterCore(
        string agentId, JsonBody body, RegistrationService service, CancellationToken cancellationToken)
    {
        var outcome = await service.RegisterAsync(agentId, RegistrationRequest.From(body), cancellationToken);
        return outcome switch
        {
            RegistrationOutcome.Challenged c => Answer.Ok(new BlobResults(c.Blob)),
            RegistrationOutcome.IdentityChanged => Answer.Forbidden(IdentityChanged),
            RegistrationOutcome.Conflict => Answer.Forbidden(
                $"Agent with UUID '{agentId}' cannot be registered. This UUID is already in use or a concurrent registration is in progress."),
            _ => Answer.BadRequest(InvalidData),
        };
    }

    private static async Task<KeylimeResult<EmptyResults>> Activate(
        string agentId, HttpRequest http, ActivationService service, [FromServices] RegistrationPolicy policy, CancellationToken cancellationToken)
    {
        using var body = await JsonBody.ReadAsync(http, policy.MaxUploadSize, cancellationToken);
        if (BodyProblem(http, body) is { } problem)
        {
            return problem;
        }

        if (!body.TryGet("auth_tag", out var tag) || tag.ValueKind != System.Text.Json.JsonValueKind.String)
        {
            return Answer.BadRequest(MalformedRequest);
        }

        var authTag = tag.GetString()!;
        return await service.ActivateAsync(agentId, authTag, cancellationToken) switch
        {
            ActivationOutcome.Activated => Answer.Ok(),
            ActivationOutcome.WrongTagDeleted => Answer.BadRequest(
                $"Auth tag '{authTag}' for agent '{agentId}' does not match expected value. The agent has been deleted from the database and will need to be restarted to reattempt registration"),
            _ => Answer.NotFound($"Agent with ID '{agentId}' not found"),
        };
    }

    private static KeylimeResult<EmptyResults>? BodyProblem(HttpRequest http, JsonBody body)
    {
        switch (body.Error)
        {
            case BodyError.TooLarge:
                // The rest of the body stays unread, so this connection cannot carry another request.
                http.HttpContext.Response.Headers.Connection = "close";
                return Answer.Error(StatusCodes.Status413PayloadTooLarge, BodyTooLarge);
            case BodyError.Malformed:
                return Answer.BadRequest(MalformedRequest);
            default:
                return null;
        }
    }
}
