using System.Text.Json.Nodes;
using Keylime.Verifier.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Tests.Wire;

/// <summary>A verifier with a small max_upload_size, shared by the malformed-input tests.</summary>
public sealed class SmallUploadServer : IAsyncLifetime
{
    public const int MaxUploadSize = 4096;

    public VerifierServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await VerifierServer.StartAsync(overrides: new Dictionary<string, string>
        {
            ["KEYLIME_VERIFIER_MAX_UPLOAD_SIZE"] = MaxUploadSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Bad input gets the right 4xx in Keylime's envelope and stores nothing; no request causes a 500
/// (STYLE.md: a 500 is a bug).
/// </summary>
public sealed class MalformedInputTests(SmallUploadServer fixture) : IClassFixture<SmallUploadServer>
{
    private static string WithField(string name, JsonNode? value)
    {
        var body = TenantBodies.Enroll();
        body[name] = value;
        return body.ToJsonString();
    }

    public static TheoryData<string, string, string?> BadRequests => new()
    {
        { "POST", "/v2.6/agents/m1", "" },
        { "POST", "/v2.6/agents/m1", "{\"v\": " },
        { "POST", "/v2.6/agents/m1", "not json" },
        { "POST", "/v2.6/agents/m1", "[]" },
        { "POST", "/v2.6/agents/m1", "null" },
        { "POST", "/v2.6/agents/m1", "{}" },
        { "POST", "/v2.6/agents/m1", WithField("accept_tpm_hash_algs", "sha256") },
        { "POST", "/v2.6/agents/m1", WithField("accept_tpm_signing_algs", 5) },
        { "POST", "/v2.6/agents/m1", WithField("verifier_port", "eighty") },
        { "POST", "/v2.6/agents/m1", WithField("verifier_port", new JsonArray()) },
        { "POST", "/v2.6/agents/m1", WithField("ak_tpm", 12) },
        { "POST", "/v2.6/agents/m1", WithField("ak_tpm", null) },
        { "POST", "/v2.6/agents/m1", WithField("tpm_policy", null) },
        { "POST", "/v2.6/agents/m1", WithField("runtime_policy", "!!!") },
        { "POST", "/v2.6/agents/m1", WithField("runtime_policy", Convert.ToBase64String("{oops"u8.ToArray())) },
        { "POST", "/v2.6/agents/m1", WithField("mb_policy", "{oops") },
        { "POST", "/v2.6/agents/m1", WithField("runtime_policy_name", new string('n', 300)) },
        { "POST", "/v2.6/allowlists/m1", "{\"runtime_policy\": 5}" },
        { "POST", "/v2.6/mbpolicies/m1", "{\"mb_policy\": " },
        { "POST", "/v3.0/agents", "{\"data\": 5}" },
        { "POST", "/v3.0/agents", "{\"data\": {\"type\": \"session\", \"attributes\": {}}}" },
        { "POST", "/v3.0/agents", "{\"data\": {\"type\": \"agent\", \"attributes\": {\"agent_id\": \"bad id\"}}}" },
        { "PATCH", "/v3.0/agents/m1", "{\"data\": {\"type\": \"agent\", \"attributes\": {\"tpm_policy\": {\"mask\": \"zz\"}}}}" },
        { "POST", "/v3/policies/ima", "{\"data\": {\"type\": \"ima_policy\", \"attributes\": {\"runtime_policy\": {}}}}" },
    };

    [Theory, MemberData(nameof(BadRequests))]
    public async Task Malformed_or_mistyped_bodies_are_4xx_and_store_nothing(string method, string path, string? body)
    {
        var (status, response) = await Http.SendAsync(fixture.Server.Admin(), new HttpMethod(method), path, body);

        Assert.InRange(status, 400, 499);
        Assert.NotNull(response);
        if (path.StartsWith("/v2", StringComparison.Ordinal))
        {
            Assert.Equal(status, (int)response["code"]!);
        }
        else
        {
            Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)response["errors"]![0]!["status"]);
        }

        Assert.Equal(0, await fixture.Server.WithDbAsync(db => db.Agents.CountAsync(a => a.AgentId == "m1")));
        Assert.Equal(0, await fixture.Server.WithDbAsync(db => db.RuntimePolicies.CountAsync(p => p.Name == "m1")));
        Assert.Equal(0, await fixture.Server.WithDbAsync(db => db.MeasuredBootPolicies.CountAsync(p => p.Name == "m1")));
    }

    [Fact]
    public async Task A_body_starting_with_a_utf8_byte_order_mark_is_read_and_a_bare_mark_is_400()
    {
        async Task<int> PostAsync(string path, byte[] bytes)
        {
            using var content = new ByteArrayContent(bytes);
            using var response = await fixture.Server.Admin().PostAsync(new Uri(path, UriKind.Relative), content);
            return (int)response.StatusCode;
        }

        byte[] bom = [0xEF, 0xBB, 0xBF];
        Assert.Equal(200, await PostAsync("/v2.6/agents/bom1", [.. bom, .. System.Text.Encoding.UTF8.GetBytes(TenantBodies.Enroll().ToJsonString())]));
        Assert.Equal(400, await PostAsync("/v2.6/agents/bom2", bom));

        Assert.Equal(1, await fixture.Server.WithDbAsync(db => db.Agents.CountAsync(a => a.AgentId == "bom1")));
        Assert.Equal(0, await fixture.Server.WithDbAsync(db => db.Agents.CountAsync(a => a.AgentId == "bom2")));
    }

    [Theory]
    [InlineData("/v2.6/agents/big")]
    [InlineData("/v2.6/allowlists/big")]
    [InlineData("/v3.0/agents")]
    public async Task A_body_over_max_upload_size_is_413_and_stores_nothing(string path)
    {
        var body = TenantBodies.Enroll();
        body["metadata"] = new string('x', SmallUploadServer.MaxUploadSize * 2);

        var (status, _) = await Http.PostAsync(fixture.Server.Admin(), path, body);

        Assert.Equal(413, status);
        Assert.Equal(0, await fixture.Server.WithDbAsync(db => db.Agents.CountAsync(a => a.AgentId == "big")));
    }

    [Fact]
    public async Task The_openapi_document_and_swagger_ui_are_served()
    {
        var client = fixture.Server.Anonymous();

        var (status, document) = await Http.GetAsync(client, "/swagger/v1/swagger.json");
        Assert.Equal(200, status);
        var paths = document!["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/v2.6/agents/{agent_id}", paths);
        Assert.Contains("/v3.0/agents", paths);
        Assert.DoesNotContain("/v2.1/agents/{agent_id}", paths);
        using var ui = await client.GetAsync("/swagger/index.html");
        Assert.Equal(200, (int)ui.StatusCode);
    }

    [Fact]
    public async Task The_request_id_is_echoed_without_non_word_characters()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/version");
        request.Headers.Add("X-Request-ID", "abc-123;<script>" + new string('z', 60));

        using var response = await fixture.Server.Anonymous().SendAsync(request);

        var echoed = Assert.Single(response.Headers.GetValues("X-Request-ID"));
        Assert.Equal(("abc123script" + new string('z', 60))[..36], echoed);
    }
}
