using Keylime.Registrar.Tests.Support;

namespace Keylime.Registrar.Tests.Routes;

/// <summary>
/// Issue 4 "bad input": every malformed registration gets 400 (413 for size) in the envelope, and
/// nothing is stored; no request causes a 500.
/// </summary>
public abstract class BadInput(RegistrarFixture fixture)
{
    private RegistrarProcess Registrar => fixture.Registrar;

    public static TheoryData<string, string> BrokenBodies => new()
    {
        { "malformed JSON", "{\"aik_tpm\": " },
        { "JSON array", "[{\"aik_tpm\": \"AAAA\"}]" },
        { "JSON string", "\"hello\"" },
        { "empty object", "{}" },
        { "null aik_tpm", "{\"aik_tpm\": null, \"ek_tpm\": \"@EK\"}" },
        { "null ek_tpm", "{\"aik_tpm\": \"@AK\", \"ek_tpm\": null}" },
        { "aik_tpm number", "{\"aik_tpm\": 12, \"ek_tpm\": \"@EK\"}" },
        { "aik_tpm object", "{\"aik_tpm\": {}, \"ek_tpm\": \"@EK\"}" },
        { "port not a number", "{\"aik_tpm\": \"@AK\", \"ek_tpm\": \"@EK\", \"port\": \"eighty\"}" },
        { "port out of range", "{\"aik_tpm\": \"@AK\", \"ek_tpm\": \"@EK\", \"port\": 70000}" },
        { "port fractional", "{\"aik_tpm\": \"@AK\", \"ek_tpm\": \"@EK\", \"port\": 80.5}" },
        { "ip number", "{\"aik_tpm\": \"@AK\", \"ek_tpm\": \"@EK\", \"ip\": 10}" },
        { "bad base64", "{\"aik_tpm\": \"@AK!!!\", \"ek_tpm\": \"@EK\"}" },
        { "truncated TPM2B", "{\"aik_tpm\": \"@AKTRUNC\", \"ek_tpm\": \"@EK\"}" },
        { "trailing bytes after TPM2B", "{\"aik_tpm\": \"@AKLONG\", \"ek_tpm\": \"@EK\"}" },
        { "EK in place of AK", "{\"aik_tpm\": \"@EK\", \"ek_tpm\": \"@EK\"}" },
        { "ekcert not a certificate", "{\"aik_tpm\": \"@AK\", \"ek_tpm\": \"@EK\", \"ekcert\": \"emulator\"}" },
        { "ekcert PEM garbage", "{\"aik_tpm\": \"@AK\", \"ek_tpm\": \"@EK\", \"ekcert\": \"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\"}" },
        { "mtls_cert garbage", "{\"aik_tpm\": \"@AK\", \"ek_tpm\": \"@EK\", \"mtls_cert\": \"enabled\"}" },
        { "deeply nested", new string('[', 200) + new string(']', 200) },
    };

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public async Task Broken_registration_is_400_in_the_envelope_and_stores_nothing(string why, string template)
    {
        using var agent = SharedKeys.NewAgent();
        var ak = agent.Ak.ToTpm2BBytes();
        var body = template
            .Replace("@AKTRUNC", Convert.ToBase64String(ak[..^10]), StringComparison.Ordinal)
            .Replace("@AKLONG", Convert.ToBase64String([.. ak, 0, 0]), StringComparison.Ordinal)
            .Replace("@AK", agent.AikTpmBase64, StringComparison.Ordinal)
            .Replace("@EK", agent.EkTpmBase64, StringComparison.Ordinal);
        var id = AgentFlow.NewId();
        var response = await Registrar.Http.Send(HttpMethod.Post, $"/v2.6/agents/{id}", body);
        Assert.True(response.Code == 400, $"{why}: {response.Code} {response.Body}");
        Assert.Equal(400, response.Json!.Value.GetProperty("code").GetInt32());
        Assert.Equal("{}", response.Results.GetRawText());
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task Non_JSON_content_type_means_no_fields_so_400(string contentType)
    {
        using var agent = SharedKeys.NewAgent();
        var body = System.Text.Json.JsonSerializer.Serialize(AgentFlow.Body(agent));
        var response = await Registrar.Http.Send(HttpMethod.Post, $"/v2.6/agents/{AgentFlow.NewId()}", body, contentType);
        Assert.Equal(400, response.Code);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/vnd.api+json")]
    public async Task JSON_media_types_with_parameters_or_suffix_are_parsed(string contentType)
    {
        using var agent = SharedKeys.NewAgent();
        var body = System.Text.Json.JsonSerializer.Serialize(AgentFlow.Body(agent));
        var response = await Registrar.Http.Send(HttpMethod.Post, $"/v2.6/agents/{AgentFlow.NewId()}", body, contentType);
        Assert.Equal(200, response.Code);
    }

    [Theory]
    [InlineData("bad id")]
    [InlineData("semi;colon")]
    [InlineData("qu'ote")]
    public async Task Agent_ids_outside_word_dot_dash_are_refused_with_400(string id)
    {
        using var agent = SharedKeys.NewAgent();
        var response = await Registrar.Http.Post($"/v2.6/agents/{Uri.EscapeDataString(id)}", AgentFlow.Body(agent));
        Assert.Equal(400, response.Code);
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
    }

    [Fact]
    public async Task Body_over_max_upload_size_is_413_and_stores_nothing()
    {
        using var agent = SharedKeys.NewAgent();
        var body = AgentFlow.Body(agent);
        body["padding"] = new string('x', RegistrarFixture.MaxUploadSize);
        var id = AgentFlow.NewId();
        var response = await Registrar.Http.Post($"/v2.6/agents/{id}", body);
        Assert.Equal(413, response.Code);
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
    }

    [Fact]
    public async Task Chunked_body_over_max_upload_size_is_413()
    {
        var id = AgentFlow.NewId();
        using var content = new StreamContent(new MemoryStream(new byte[RegistrarFixture.MaxUploadSize + 10]));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v2.6/agents/{id}") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await Registrar.Http.SendAsync(request);
        Assert.Equal(413, (int)response.StatusCode);
    }

    [Fact]
    public async Task Unknown_fields_are_ignored()
    {
        using var agent = SharedKeys.NewAgent();
        var body = AgentFlow.Body(agent);
        body["future_field"] = new[] { 1, 2, 3 };
        body["iak_cert"] = null; // the Rust agent sends explicit nulls for absent DevID certificates
        body["idevid_cert"] = null;
        Assert.Equal(200, (await Registrar.Http.Post($"/v2.6/agents/{AgentFlow.NewId()}", body)).Code);
    }

    [Fact]
    public async Task Hex_encoded_keys_are_accepted_like_Keylime()
    {
        using var agent = SharedKeys.NewAgent();
        var body = AgentFlow.Body(agent);
        body["aik_tpm"] = "0x" + Convert.ToHexString(agent.Ak.ToTpm2BBytes());
        var id = AgentFlow.NewId();
        Assert.Equal(200, (await Registrar.Http.Post($"/v2.6/agents/{id}", body)).Code);
        Assert.Equal(agent.AikTpmBase64, (await TestDatabase.FindAsync(Registrar, id))!.AikTpm);
    }
}

[Collection(SqliteRegistrarCollection.Name)]
public sealed class BadInputOnSqlite(SqliteRegistrarFixture fixture) : BadInput(fixture);

[Collection(PostgresRegistrarCollection.Name)]
public sealed class BadInputOnPostgres(PostgresRegistrarFixture fixture) : BadInput(fixture);
