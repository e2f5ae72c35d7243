using Microsoft.AspNetCore.Authorization;

namespace Keylime.Verifier.Identity;

/// <summary>
/// Keylime's authorization classes (spec/verifier.md §1 step 3). Public routes carry no policy.
/// Ownership is checked against the route's <c>agent_id</c>.
/// </summary>
public static class AccessPolicies
{
    /// <summary>Admin (mTLS client certificate) only: enrollment, lists, policies, attestation reads.</summary>
    public const string Admin = "keylime-admin";

    /// <summary>Admin, or the agent named in the route reading itself (READ_AGENT).</summary>
    public const string AgentOrAdmin = "keylime-agent-or-admin";

    /// <summary>Only the agent named in the route, by its PoP token (SUBMIT_ATTESTATION).</summary>
    public const string AgentOnly = "keylime-agent-only";

    public static AuthorizationBuilder AddKeylimeAccessPolicies(this AuthorizationBuilder builder) =>
        builder
            .AddPolicy(Admin, p => p.AddRequirements(new KeylimeAccessRequirement(AccessClass.Admin)))
            .AddPolicy(AgentOrAdmin, p => p.AddRequirements(new KeylimeAccessRequirement(AccessClass.AgentOrAdmin)))
            .AddPolicy(AgentOnly, p => p.AddRequirements(new KeylimeAccessRequirement(AccessClass.AgentOnly)));
}

public enum AccessClass
{
    Admin,
    AgentOrAdmin,
    AgentOnly,
}

public sealed record KeylimeAccessRequirement(AccessClass Class) : IAuthorizationRequirement;

/// <summary>Grants or refuses with Keylime's reason, which the 403 body carries.</summary>
public sealed class KeylimeAccessHandler : AuthorizationHandler<KeylimeAccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, KeylimeAccessRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        var resource = http?.GetRouteValue("agent_id") as string
                       ?? http?.GetRouteValue("name") as string
                       ?? http?.GetRouteValue("session_id") as string;
        var agent = context.User.AgentId();
        var admin = context.User.IsAdmin();

        // Written only for a refusal: an authorized request (every push-cycle request) formats nothing.
        string Action() => http is null ? "this action" : $"{http.Request.Method} {http.Request.Path}";
        string? refusal = requirement.Class switch
        {
            AccessClass.Admin when !admin => $"Action {Action()} requires admin authentication (mTLS certificate)",
            AccessClass.AgentOnly when agent is null => $"Action {Action()} requires agent authentication (PoP token)",
            AccessClass.AgentOrAdmin when !admin && agent is null => $"Action {Action()} requires admin authentication (mTLS certificate)",
            AccessClass.AgentOnly or AccessClass.AgentOrAdmin when !admin && agent != resource =>
                $"Agent {agent} cannot access resource {resource} (ownership required)",
            _ => null,
        };

        if (refusal is null)
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, refusal));
        }

        return Task.CompletedTask;
    }
}
