using System.Security.Claims;

namespace Keylime.Verifier.Identity;

/// <summary>
/// Who is calling (spec/verifier.md §1): an <c>agent</c> proven by a PoP bearer token, an
/// <c>admin</c> proven by a client certificate from <c>trusted_client_ca</c>, or anonymous.
/// </summary>
public static class Identities
{
    public const string Scheme = "Keylime";

    public const string TypeClaim = "keylime_identity_type";

    public const string Admin = "admin";

    public const string Agent = "agent";

    public static ClaimsPrincipal Principal(string type, string name) =>
        new(new ClaimsIdentity([new Claim(TypeClaim, type), new Claim(ClaimTypes.Name, name)], Scheme));

    public static bool IsAdmin(this ClaimsPrincipal user) => user.HasClaim(TypeClaim, Admin);

    /// <summary>The agent id a bearer token was issued to, or null for admins and anonymous callers.</summary>
    public static string? AgentId(this ClaimsPrincipal user) =>
        user.HasClaim(TypeClaim, Agent) ? user.FindFirstValue(ClaimTypes.Name) : null;
}

/// <summary>The verdict on a bearer token: the agent it belongs to, or Keylime's 401 reason.</summary>
public sealed record TokenVerdict(string? AgentId, string? Refusal)
{
    public static TokenVerdict For(string agentId) => new(agentId, null);

    public static TokenVerdict Refused(string reason) => new(null, reason);
}

/// <summary>
/// Resolves a PoP bearer token to its agent (spec/verifier.md §1 and §6.4). Seam for the sessions
/// feature; until it registers its own, every token is unknown.
/// </summary>
public interface IAgentTokenValidator
{
    ValueTask<TokenVerdict> ValidateAsync(string token, CancellationToken cancellationToken);
}

/// <summary>Stand-in used while no session store exists: no token is valid.</summary>
public sealed class NoTokensValidator : IAgentTokenValidator
{
    public ValueTask<TokenVerdict> ValidateAsync(string token, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TokenVerdict.Refused(TokenRefusals.Unknown));
}

/// <summary>Keylime's 401 details.</summary>
public static class TokenRefusals
{
    public const string MalformedHeader = "Invalid Authorization header format";
    public const string Unknown = "Invalid authentication token";
    public const string Inactive = "Authentication session not active";
    public const string Expired = "Authentication token expired";
}
