using Keylime.Registrar.Tests.Support;

namespace Keylime.Registrar.Tests.Routes;

/// <summary>spec/registrar.md §1 and §4.3–4.5: list, show, delete — HTTPS with an admin client certificate only.</summary>
public abstract class AdminRoutes(RegistrarFixture fixture)
{
    private RegistrarProcess Registrar => fixture.Registrar;

    [Fact]
    public async Task List_returns_every_id_active_or_pending()
    {
        using var agent = SharedKeys.NewAgent();
        var active = AgentFlow.NewId();
        var pending = AgentFlow.NewId();
        await AgentFlow.RegisterAndActivateAsync(Registrar.Http, agent, active);
        await AgentFlow.RegisterAsync(Registrar.Http, agent, pending);
        var response = await Registrar.Admin.Get("/v2.6/agents/");
        Assert.Equal(200, response.Code);
        var ids = response.Results.GetProperty("uuids").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(active, ids);
        Assert.Contains(pending, ids);
    }

    [Fact]
    public async Task Show_returns_the_record_of_an_active_agent_with_the_EK_certificate_as_base64_DER()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        var ekCert = agent.IssueEkCertificate(SharedKeys.VendorCa);
        var body = AgentFlow.Body(agent);
        body["ekcert"] = System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", ekCert) + "\n"
            + SharedKeys.VendorCa.ExportCertificatePem(); // the Rust agent appends the EK CA chain
        var blob = (await Registrar.Http.Post($"/v2.6/agents/{id}", body)).Results.GetProperty("blob").GetString()!;
        Assert.Equal(200, (await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = agent.AuthTag(blob, id) })).Code);

        var response = await Registrar.Admin.Get($"/v2.6/agents/{id}");
        Assert.Equal(200, response.Code);
        var r = response.Results;
        Assert.Equal(["agent_id", "ek_tpm", "ekcert", "aik_tpm", "ip", "port", "mtls_cert", "regcount"],
            r.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(id, r.GetProperty("agent_id").GetString());
        Assert.Equal(agent.EkTpmBase64, r.GetProperty("ek_tpm").GetString());
        Assert.Equal(Convert.ToBase64String(ekCert), r.GetProperty("ekcert").GetString());
        Assert.Equal(agent.AikTpmBase64, r.GetProperty("aik_tpm").GetString());
        Assert.Equal("127.0.0.1", r.GetProperty("ip").GetString());
        Assert.Equal(9002, r.GetProperty("port").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("mtls_cert").ValueKind);
        Assert.Equal(1, r.GetProperty("regcount").GetInt32());
    }

    [Fact]
    public async Task Show_of_a_pending_agent_is_404_not_activated()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        await AgentFlow.RegisterAsync(Registrar.Http, agent, id);
        var response = await Registrar.Admin.Get($"/v3.0/agents/{id}");
        Assert.Equal(404, response.Code);
        Assert.Equal($"Agent with ID '{id}' has not been activated", response.EnvelopeStatus);
    }

    [Fact]
    public async Task Show_of_an_unknown_agent_is_404_not_found()
    {
        var id = AgentFlow.NewId();
        var response = await Registrar.Admin.Get($"/v2.6/agents/{id}");
        Assert.Equal(404, response.Code);
        Assert.Equal($"Agent with ID '{id}' not found", response.EnvelopeStatus);
        Assert.Equal(response.EnvelopeStatus, response.Reason);
    }

    [Fact]
    public async Task Delete_removes_an_agent_and_a_second_delete_is_404()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        await AgentFlow.RegisterAndActivateAsync(Registrar.Http, agent, id);
        var response = await Registrar.Admin.Delete($"/v2.6/agents/{id}");
        Assert.Equal(200, response.Code);
        Assert.Equal("{}", response.Results.GetRawText());
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
        Assert.Equal(404, (await Registrar.Admin.Delete($"/v2.6/agents/{id}")).Code);
    }

    [Fact]
    public async Task Delete_of_a_pending_agent_lets_it_register_with_new_keys()
    {
        using var agent = SharedKeys.NewAgent();
        using var replacement = new SoftwareAgent(akKey: SharedKeys.OtherAk);
        var id = AgentFlow.NewId();
        await AgentFlow.RegisterAsync(Registrar.Http, agent, id);
        Assert.Equal(200, (await Registrar.Admin.Delete($"/v3/agents/{id}")).Code);
        await AgentFlow.RegisterAndActivateAsync(Registrar.Http, replacement, id);
    }

    [Theory]
    [InlineData("GET", "/v2.6/agents/")]
    [InlineData("GET", "/v2.6/agents/some-agent")]
    [InlineData("DELETE", "/v2.6/agents/some-agent")]
    public async Task Admin_routes_on_the_HTTP_port_are_400(string method, string path) =>
        Assert.Equal(400, (await Registrar.Http.Send(new HttpMethod(method), path, null)).Code);

    [Theory]
    [InlineData("GET", "/v2.6/agents/")]
    [InlineData("GET", "/v2.6/agents/some-agent")]
    [InlineData("DELETE", "/v3.0/agents/some-agent")]
    public async Task Admin_routes_without_a_client_certificate_are_403_in_JSON_API_shape(string method, string path)
    {
        var response = await Registrar.Anonymous.Send(new HttpMethod(method), path, null);
        Assert.Equal(403, response.Code);
        var error = Assert.Single(response.Json!.Value.GetProperty("errors").EnumerateArray());
        Assert.Equal("403", error.GetProperty("status").GetString());
        Assert.Equal("Forbidden", error.GetProperty("title").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Admin_routes_with_an_Authorization_header_are_403_even_with_a_client_certificate()
    {
        var response = await Registrar.Admin.Send(HttpMethod.Get, "/v2.6/agents/", null,
            headers: new Dictionary<string, string> { ["Authorization"] = "Bearer abc" });
        Assert.Equal(403, response.Code);
    }

    [Fact]
    public async Task Client_certificate_from_an_untrusted_CA_fails_the_TLS_handshake()
    {
        using var stranger = TestCertificateAuthority.StrangerClient();
        using var client = Registrar.HttpsClient(stranger);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/v2.6/agents/"));
    }

    [Fact]
    public async Task Public_routes_work_on_the_HTTPS_port_without_a_client_certificate()
    {
        using var agent = SharedKeys.NewAgent();
        await AgentFlow.RegisterAndActivateAsync(Registrar.Anonymous, agent, AgentFlow.NewId());
    }
}

[Collection(SqliteRegistrarCollection.Name)]
public sealed class AdminRoutesOnSqlite(SqliteRegistrarFixture fixture) : AdminRoutes(fixture);

[Collection(PostgresRegistrarCollection.Name)]
public sealed class AdminRoutesOnPostgres(PostgresRegistrarFixture fixture) : AdminRoutes(fixture);
