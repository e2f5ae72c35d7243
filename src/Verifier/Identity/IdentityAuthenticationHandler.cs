using System.Text.Encodings.Web;
using Keylime.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Keylime.Verifier.Identity;

/// <summary>
/// Exactly one identity path per request (spec/verifier.md §1): an <c>Authorization</c> header means
/// the agent path and nothing else — a bearer header never falls back to the client certificate;
/// without one, a client certificate (already chain-validated against <c>trusted_client_ca</c> by the
/// TLS handshake) with a subject CN makes the caller an admin; otherwise the caller is anonymous.
/// </summary>
public sealed class IdentityAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IAgentTokenValidator tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.Authorization is { Count: > 0 } header)
        {
            var value = header.ToString();
            if (!value.StartsWith(BearerPrefix, StringComparison.Ordinal) || value.Length == BearerPrefix.Length)
            {
                return AuthenticateResult.Fail(TokenRefusals.MalformedHeader);
            }

            var verdict = await tokens.ValidateAsync(value[BearerPrefix.Length..].Trim(), Context.RequestAborted);
            return verdict.AgentId is { } agentId
                ? Success(Identities.Agent, agentId)
                : AuthenticateResult.Fail(verdict.Refusal ?? TokenRefusals.Unknown);
        }

        return Context.AdminCommonName() is { } cn ? Success(Identities.Admin, cn) : AuthenticateResult.NoResult();
    }

    private AuthenticateResult Success(string type, string name) =>
        AuthenticateResult.Success(new AuthenticationTicket(Identities.Principal(type, name), Scheme.Name));
}
