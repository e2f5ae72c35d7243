using Keylime.Registrar.Tests.Support;

namespace Keylime.Registrar.Tests.Routes;

/// <summary>spec/registrar.md §2.1, §4.6–4.7, §5.5, §7: register and activate on every route form.</summary>
public abstract class RegistrationRoutes(RegistrarFixture fixture)
{
    private RegistrarProcess Registrar => fixture.Registrar;

    [Theory]
    [InlineData("v3.0")]
    [InlineData("v2.6")]
    [InlineData("v2")]
    public async Task Register_on_the_collection_route_takes_agent_id_from_the_body(string version)
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        var body = AgentFlow.Body(agent);
        body["agent_id"] = id;
        var response = await Registrar.Http.Post($"/{version}/agents/", body);
        Assert.Equal(200, response.Code);
        var blob = response.Results.GetProperty("blob").GetString()!;
        Assert.StartsWith("utzA3gAAAAEA", blob);
        Assert.Equal(32, agent.ActivateCredential(blob).Length);
        var stored = await TestDatabase.FindAsync(Registrar, id);
        Assert.NotNull(stored);
        Assert.False(stored.Active);
        Assert.Equal(1, stored.Regcount);
        Assert.Equal(44, stored.Key!.Length);
    }

    [Fact]
    public async Task Register_on_the_collection_route_without_agent_id_is_400()
    {
        using var agent = SharedKeys.NewAgent();
        var response = await Registrar.Http.Post("/v3.0/agents", AgentFlow.Body(agent));
        Assert.Equal(400, response.Code);
        Assert.Equal("Could not register agent with invalid data", response.EnvelopeStatus);
    }

    [Fact]
    public async Task V2_register_form_takes_the_agent_id_from_the_path_over_the_body()
    {
        using var agent = SharedKeys.NewAgent();
        var pathId = AgentFlow.NewId();
        var bodyId = AgentFlow.NewId();
        var body = AgentFlow.Body(agent);
        body["agent_id"] = bodyId;
        Assert.Equal(200, (await Registrar.Http.Post($"/v2.1/agents/{pathId}", body)).Code);
        Assert.NotNull(await TestDatabase.FindAsync(Registrar, pathId));
        Assert.Null(await TestDatabase.FindAsync(Registrar, bodyId));
    }

    [Fact]
    public async Task Activate_with_POST_activate_route_marks_the_agent_active()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        var blob = await AgentFlow.RegisterAsync(Registrar.Http, agent, id);
        var response = await Registrar.Http.Post($"/v3.0/agents/{id}/activate", new { auth_tag = agent.AuthTag(blob, id) });
        Assert.Equal(200, response.Code);
        Assert.Equal("{}", response.Results.GetRawText());
        Assert.True((await TestDatabase.FindAsync(Registrar, id))!.Active);
    }

    [Theory]
    [InlineData("/v2.6/agents/{0}/activate")]
    [InlineData("/v2.6/agents/{0}")]
    [InlineData("/v2.0/agents/{0}/")]
    public async Task Activate_with_the_v2_PUT_forms_marks_the_agent_active(string pathFormat)
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        var blob = await AgentFlow.RegisterAsync(Registrar.Http, agent, id);
        var response = await Registrar.Http.Put(string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, id), new { auth_tag = agent.AuthTag(blob, id) });
        Assert.Equal(200, response.Code);
        Assert.True((await TestDatabase.FindAsync(Registrar, id))!.Active);
    }

    [Fact]
    public async Task Reactivating_an_active_agent_with_the_right_tag_is_200()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        var blob = await AgentFlow.RegisterAsync(Registrar.Http, agent, id);
        var tag = agent.AuthTag(blob, id);
        Assert.Equal(200, (await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = tag })).Code);
        Assert.Equal(200, (await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = tag })).Code);
    }

    [Theory]
    [InlineData("POST", "/v3/agents/{0}")]
    [InlineData("PUT", "/v3/agents/{0}")]
    [InlineData("PUT", "/v3.0/agents/{0}/activate")]
    public async Task V3_drops_the_v2_compatibility_forms_with_405(string method, string pathFormat)
    {
        var response = await Registrar.Http.Send(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, AgentFlow.NewId()), "{}");
        Assert.Equal(405, response.Code);
    }

    [Fact]
    public async Task Activation_of_an_unknown_agent_is_404_and_creates_nothing()
    {
        var id = AgentFlow.NewId();
        var response = await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = new string('a', 96) });
        Assert.Equal(404, response.Code);
        Assert.Equal($"Agent with ID '{id}' not found", response.EnvelopeStatus);
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
    }

    [Fact]
    public async Task Wrong_auth_tag_is_400_and_deletes_the_record()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        await AgentFlow.RegisterAsync(Registrar.Http, agent, id);
        var wrong = new string('0', 96);
        var response = await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = wrong });
        Assert.Equal(400, response.Code);
        Assert.Equal($"Auth tag '{wrong}' for agent '{id}' does not match expected value. The agent has been deleted from the database and will need to be restarted to reattempt registration",
            response.EnvelopeStatus);
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
    }

    [Fact]
    public async Task Activation_without_auth_tag_is_400_and_changes_nothing()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        await AgentFlow.RegisterAsync(Registrar.Http, agent, id);
        Assert.Equal(400, (await Registrar.Http.Put($"/v2.6/agents/{id}", new { tag = "x" })).Code);
        Assert.Equal(400, (await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = 12 })).Code);
        var stored = await TestDatabase.FindAsync(Registrar, id);
        Assert.NotNull(stored);
        Assert.False(stored.Active);
    }

    [Fact]
    public async Task Re_registration_with_the_same_keys_counts_up_and_needs_a_new_activation()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        await AgentFlow.RegisterAndActivateAsync(Registrar.Http, agent, id);
        var blob = await AgentFlow.RegisterAsync(Registrar.Http, agent, id);
        var stored = await TestDatabase.FindAsync(Registrar, id);
        Assert.Equal(2, stored!.Regcount);
        Assert.False(stored.Active);
        Assert.Equal(404, (await Registrar.Admin.Get($"/v2.6/agents/{id}")).Code);
        Assert.Equal(200, (await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = agent.AuthTag(blob, id) })).Code);
        var shown = await Registrar.Admin.Get($"/v2.6/agents/{id}");
        Assert.Equal(2, shown.Results.GetProperty("regcount").GetInt32());
    }

    [Fact]
    public async Task Re_registration_keeps_fields_that_are_not_sent()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        var first = AgentFlow.Body(agent);
        first["ip"] = "2001:db8::1";
        first["port"] = "9443";
        first["mtls_cert"] = "Disabled";
        Assert.Equal(200, (await Registrar.Http.Post($"/v2.6/agents/{id}", first)).Code);
        var blob = (await Registrar.Http.Post($"/v2.6/agents/{id}", new { aik_tpm = agent.AikTpmBase64 })).Results.GetProperty("blob").GetString()!;
        Assert.Equal(200, (await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = agent.AuthTag(blob, id) })).Code);
        var shown = (await Registrar.Admin.Get($"/v2.6/agents/{id}")).Results;
        Assert.Equal("2001:db8::1", shown.GetProperty("ip").GetString());
        Assert.Equal(9443, shown.GetProperty("port").GetInt32());
        Assert.Equal("disabled", shown.GetProperty("mtls_cert").GetString());
        Assert.Equal(agent.EkTpmBase64, shown.GetProperty("ek_tpm").GetString());
    }

    [Fact]
    public async Task Re_registration_with_a_different_AK_is_403_and_changes_nothing()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        await AgentFlow.RegisterAndActivateAsync(Registrar.Http, agent, id);
        var before = await TestDatabase.FindAsync(Registrar, id);
        using var impostor = new SoftwareAgent(akKey: SharedKeys.OtherAk);
        var body = AgentFlow.Body(agent);
        body["aik_tpm"] = impostor.AikTpmBase64;
        var response = await Registrar.Http.Post($"/v2.6/agents/{id}", body);
        Assert.Equal(403, response.Code);
        Assert.Equal("Agent re-registration with different TPM identity is forbidden for security reasons", response.EnvelopeStatus);
        var after = await TestDatabase.FindAsync(Registrar, id);
        Assert.Equivalent(before, after);
    }

    [Fact]
    public async Task Identity_change_is_403_even_when_other_fields_are_bad()
    {
        using var agent = SharedKeys.NewAgent();
        var id = AgentFlow.NewId();
        await AgentFlow.RegisterAsync(Registrar.Http, agent, id);
        var response = await Registrar.Http.Post($"/v2.6/agents/{id}", new { aik_tpm = (string?)null, port = "not a port" });
        Assert.Equal(403, response.Code);
    }
}

[Collection(SqliteRegistrarCollection.Name)]
public sealed class RegistrationRoutesOnSqlite(SqliteRegistrarFixture fixture) : RegistrationRoutes(fixture);

[Collection(PostgresRegistrarCollection.Name)]
public sealed class RegistrationRoutesOnPostgres(PostgresRegistrarFixture fixture) : RegistrationRoutes(fixture);
