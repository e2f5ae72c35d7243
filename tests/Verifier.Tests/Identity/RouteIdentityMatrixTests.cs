using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Keylime.Verifier.Identity;
using Keylime.Verifier.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Keylime.Verifier.Tests.Identity;

/// <summary>One verifier shared by the matrix; an agent "agent-a" is enrolled so reads can succeed.</summary>
public sealed class MatrixServer : IAsyncLifetime
{
    public VerifierServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await VerifierServer.StartAsync(configureServices: s =>
            s.Replace(ServiceDescriptor.Singleton<IAgentTokenValidator>(new KnownTokens())));
        var admin = Server.Admin();
        Assert.Equal(200, (await Http.PostAsync(admin, "/v2.6/agents/agent-a", TenantBodies.Enroll())).Status);
        Assert.Equal(200, (await Http.PostAsync(admin, "/v2.6/agents/agent-b", TenantBodies.Enroll())).Status);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>
    /// Stand-in for the sessions feature's token store, which is not part of this service slice:
    /// "token-a" is agent-a's live token, "token-expired" an expired one; anything else is unknown.
    /// </summary>
    private sealed class KnownTokens : IAgentTokenValidator
    {
        public ValueTask<TokenVerdict> ValidateAsync(string token, CancellationToken cancellationToken) =>
            ValueTask.FromResult(token switch
            {
                "token-a" => TokenVerdict.For("agent-a"),
                "token-expired" => TokenVerdict.Refused(TokenRefusals.Expired),
                _ => TokenVerdict.Refused(TokenRefusals.Unknown),
            });
    }
}

/// <summary>
/// spec/verifier.md §1–2: every route × every identity. Admin = cv_ca client certificate; anonymous =
/// no certificate; a certificate from another CA never completes the handshake; an Authorization
/// header selects the agent path only (401 when the token is bad, even on public routes and even
/// with an admin certificate); a valid agent token reads only its own agent.
/// </summary>
public sealed class RouteIdentityMatrixTests(MatrixServer fixture) : IClassFixture<MatrixServer>
{
    public enum Access
    {
        Public,
        Admin,
        AgentOrAdmin,
    }

    private const string ImaPolicy = """{"data":{"type":"ima_policy","attributes":{"name":"m","runtime_policy":{"meta":{"version":1,"generator":1}}}}}""";

    public static TheoryData<string, string, string?, Access> Routes => new()
    {
        { "GET", "/version", null, Access.Public },
        { "GET", "/versions", null, Access.Public },
        { "GET", "/v3.0/", null, Access.Public },
        { "GET", "/v2.6/agents/", null, Access.Admin },
        { "GET", "/v2/agents/?bulk=True", null, Access.Admin },
        { "GET", "/v2.6/agents/agent-a", null, Access.AgentOrAdmin },
        { "POST", "/v2.6/agents/matrix-new", "{}", Access.Admin },
        { "DELETE", "/v2.6/agents/matrix-none", null, Access.Admin },
        { "PUT", "/v2.6/agents/agent-b/reactivate", null, Access.Admin },
        { "PUT", "/v2.6/agents/agent-b/stop", null, Access.Admin },
        { "GET", "/v2.6/allowlists/", null, Access.Admin },
        { "GET", "/v2.6/allowlists/agent-a", null, Access.Admin },
        { "POST", "/v2.6/allowlists/matrix", "{}", Access.Admin },
        { "PUT", "/v2.6/allowlists/matrix", "{}", Access.Admin },
        { "DELETE", "/v2.6/allowlists/matrix-none", null, Access.Admin },
        { "GET", "/v2.6/mbpolicies/", null, Access.Admin },
        { "GET", "/v2.6/mbpolicies/agent-a", null, Access.Admin },
        { "POST", "/v2.6/mbpolicies/matrix", "{}", Access.Admin },
        { "PUT", "/v2.6/mbpolicies/matrix", "{}", Access.Admin },
        { "DELETE", "/v2.6/mbpolicies/matrix-none", null, Access.Admin },
        { "GET", "/v3/agents", null, Access.Admin },
        { "POST", "/v3.0/agents", "{}", Access.Admin },
        { "GET", "/v3.0/agents/agent-a", null, Access.AgentOrAdmin },
        { "PATCH", "/v3.0/agents/agent-b", "{}", Access.Admin },
        { "DELETE", "/v3.0/agents/matrix-none", null, Access.Admin },
        { "GET", "/v3/policies/ima", null, Access.Admin },
        { "POST", "/v3/policies/ima", ImaPolicy, Access.Admin },
        { "GET", "/v3/policies/ima/agent-a", null, Access.Admin },
        { "PATCH", "/v3/policies/ima/matrix-none", "{}", Access.Admin },
        { "DELETE", "/v3/policies/ima/matrix-none", null, Access.Admin },
        { "GET", "/v3/refstates/uefi", null, Access.Admin },
        { "POST", "/v3/refstates/uefi", "{}", Access.Admin },
        { "GET", "/v3/refstates/uefi/agent-a", null, Access.Admin },
        { "PATCH", "/v3/refstates/uefi/matrix-none", "{}", Access.Admin },
        { "DELETE", "/v3/refstates/uefi/matrix-none", null, Access.Admin },
    };

    private static async Task<(int Status, JsonNode? Body)> SendAsync(HttpClient client, string method, string path, string? body) =>
        await Http.SendAsync(client, new HttpMethod(method), path, body);

    [Theory, MemberData(nameof(Routes))]
    public async Task An_admin_certificate_passes_every_route(string method, string path, string? body, Access access)
    {
        _ = access;
        var (status, _) = await SendAsync(fixture.Server.Admin(), method, path, body);

        Assert.True(status is not (401 or 403 or 500), $"{method} {path} answered {status}");
    }

    [Theory, MemberData(nameof(Routes))]
    public async Task Without_a_certificate_only_public_routes_pass_and_the_rest_is_403(string method, string path, string? body, Access access)
    {
        var (status, response) = await SendAsync(fixture.Server.Anonymous(), method, path, body);

        if (access == Access.Public)
        {
            Assert.True(status is >= 200 and < 400, $"{method} {path} answered {status}");
        }
        else
        {
            Assert.Equal(403, status);
            Assert.Equal("403", (string?)response!["errors"]![0]!["status"]);
            Assert.Equal("Forbidden", (string?)response["errors"]![0]!["title"]);
            Assert.Contains("requires admin authentication (mTLS certificate)", (string?)response["errors"]![0]!["detail"], StringComparison.Ordinal);
        }
    }

    [Theory, MemberData(nameof(Routes))]
    public async Task An_unknown_bearer_token_is_401_on_every_route_even_with_an_admin_certificate(string method, string path, string? body, Access access)
    {
        _ = access;
        var (status, response) = await SendAsync(fixture.Server.Bearer("no-such-token", withAdminCertificate: true), method, path, body);

        Assert.Equal(401, status);
        Assert.Equal("Invalid authentication token", (string?)response!["errors"]![0]!["detail"]);
    }

    [Theory, MemberData(nameof(Routes))]
    public async Task A_valid_agent_token_reads_its_own_agent_and_nothing_admin(string method, string path, string? body, Access access)
    {
        var (status, response) = await SendAsync(fixture.Server.Bearer("token-a"), method, path, body);

        switch (access)
        {
            case Access.Public:
            case Access.AgentOrAdmin:
                Assert.True(status is >= 200 and < 400, $"{method} {path} answered {status}");
                break;
            default:
                Assert.Equal(403, status);
                Assert.Contains("requires admin authentication", (string?)response!["errors"]![0]!["detail"], StringComparison.Ordinal);
                break;
        }
    }

    [Theory]
    [InlineData("/v2.6/agents/agent-b")]
    [InlineData("/v3.0/agents/agent-b")]
    public async Task An_agent_token_cannot_read_another_agent(string path)
    {
        var (status, response) = await Http.GetAsync(fixture.Server.Bearer("token-a"), path);

        Assert.Equal(403, status);
        Assert.Equal("Agent agent-a cannot access resource agent-b (ownership required)", (string?)response!["errors"]![0]!["detail"]);
    }

    [Theory]
    [InlineData("token-expired", "Authentication token expired")]
    [InlineData(null, "Invalid Authorization header format")]
    public async Task A_bad_authorization_header_is_401_with_keylimes_reason(string? token, string detail)
    {
        var client = fixture.Server.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/version");
        request.Headers.Authorization = token is null ? new AuthenticationHeaderValue("Basic", "YWRtaW46YWRtaW4=") : new AuthenticationHeaderValue("Bearer", token);

        using var response = await client.SendAsync(request);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(detail, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]![0]!["detail"]);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused_at_the_handshake()
    {
        var client = fixture.Server.ForeignCertificate();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/version"));
    }

    [Fact]
    public async Task Session_routes_are_exempt_from_the_bearer_check()
    {
        // POST/PATCH .../sessions get a new token: a stale header must not block them (spec §1 step 2).
        var (status, _) = await Http.SendAsync(fixture.Server.Bearer("no-such-token"), HttpMethod.Post, "/v3.0/sessions", "{}");

        Assert.NotEqual(401, status);
    }

    [Fact]
    public async Task Unknown_paths_are_404_and_known_paths_with_another_method_405()
    {
        var admin = fixture.Server.Admin();

        Assert.Equal(404, (await Http.GetAsync(admin, "/v2.6/nothing-here")).Status);
        Assert.Equal(404, (await Http.GetAsync(admin, "/v9.9/agents/")).Status);
        Assert.Equal(405, (await Http.SendAsync(admin, HttpMethod.Patch, "/v2.6/agents/agent-a", "{}")).Status);
    }
}
