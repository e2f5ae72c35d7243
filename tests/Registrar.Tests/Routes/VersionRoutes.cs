using Keylime.Registrar.Tests.Support;

namespace Keylime.Registrar.Tests.Routes;

/// <summary>spec/registrar.md §2 and §4.1–4.2: version probes, prefixes, framework statuses.</summary>
public abstract class VersionRoutes(RegistrarFixture fixture)
{
    private RegistrarProcess Registrar => fixture.Registrar;

    [Fact]
    public async Task Version_probe_answers_current_2_6_and_the_supported_list_on_both_ports()
    {
        foreach (var client in new[] { Registrar.Http, Registrar.Anonymous })
        {
            var response = await client.Get("/version");
            Assert.Equal(200, response.Code);
            Assert.Equal("Success", response.EnvelopeStatus);
            Assert.Equal(200, response.Json!.Value.GetProperty("code").GetInt32());
            Assert.Equal("2.6", response.Results.GetProperty("current_version").GetString());
            Assert.Equal(["1.0", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.0"],
                response.Results.GetProperty("supported_versions").EnumerateArray().Select(v => v.GetString()!).ToArray());
        }
    }

    [Theory]
    [InlineData("/v3/")]
    [InlineData("/v3.0/")]
    [InlineData("/v3")]
    public async Task V3_root_probe_answers_200_with_empty_results(string path)
    {
        var response = await Registrar.Http.Get(path);
        Assert.Equal(200, response.Code);
        Assert.Equal("{}", response.Results.GetRawText());
    }

    [Fact]
    public async Task There_is_no_v2_root_probe() =>
        Assert.Equal(404, (await Registrar.Http.Get("/v2/")).Code);

    [Theory]
    [InlineData("/v2.7/agents/x")]
    [InlineData("/v4/agents/x")]
    [InlineData("/v1.0/agents/x")]
    [InlineData("/v2.6.1/agents/x")]
    [InlineData("/versions")]
    public async Task Unknown_version_prefix_or_path_is_404_with_an_empty_body(string path)
    {
        var response = await Registrar.Http.Post(path, "{}");
        Assert.Equal(404, response.Code);
        Assert.Equal("", response.Body);
    }

    [Fact]
    public async Task Known_path_with_another_method_is_405()
    {
        Assert.Equal(405, (await Registrar.Http.Send(HttpMethod.Patch, "/v2.6/agents/x", "{}")).Code);
        Assert.Equal(405, (await Registrar.Http.Delete("/version")).Code);
        Assert.Equal(405, (await Registrar.Http.Get("/v2.6/agents/x/activate")).Code);
    }

    [Fact]
    public async Task OpenAPI_document_and_Swagger_UI_are_served_under_swagger()
    {
        var document = await Registrar.Http.Get("/swagger/v1/swagger.json");
        Assert.Equal(200, document.Code);
        var paths = System.Text.Json.JsonDocument.Parse(document.Body).RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v2.6/agents/{agentId}", out _));
        Assert.True(paths.TryGetProperty("/v3.0/agents/{agentId}/activate", out _));
        Assert.Equal(200, (await Registrar.Http.Get("/swagger/index.html")).Code);
    }

    [Fact]
    public async Task Methods_outside_the_HTTP_set_are_501() =>
        Assert.Equal(501, (await Registrar.Http.Send(new HttpMethod("BREW"), "/version", null)).Code);

    [Fact]
    public async Task X_Request_ID_is_echoed_without_non_word_characters_and_at_most_36_long()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/version");
        request.Headers.TryAddWithoutValidation("X-Request-ID", "abc-def;<script>0123456789012345678901234567890123456789");
        using var response = await Registrar.Http.SendAsync(request);
        var echoed = Assert.Single(response.Headers.GetValues("X-Request-ID"));
        Assert.Equal("abcdefscript01234567890123456789012", echoed[..35]);
        Assert.Equal(36, echoed.Length);
    }
}

[Collection(SqliteRegistrarCollection.Name)]
public sealed class VersionRoutesOnSqlite(SqliteRegistrarFixture fixture) : VersionRoutes(fixture);

[Collection(PostgresRegistrarCollection.Name)]
public sealed class VersionRoutesOnPostgres(PostgresRegistrarFixture fixture) : VersionRoutes(fixture);
