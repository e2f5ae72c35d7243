using System.Text.Json.Nodes;
using Keylime.Verifier.Tests.Support;

namespace Keylime.Verifier.Tests.Policies;

/// <summary>
/// Runtime and measured-boot policy storage over HTTPS (spec/verifier.md §5): create 201, duplicate
/// 409, read, replace 201, delete 204, and no deletion (409) while an agent uses the policy.
/// </summary>
public sealed class PolicyApiTests
{
    public static TheoryData<string> Providers => [TestDatabase.Sqlite, TestDatabase.Postgres];

    private static JsonObject RuntimeUpload(string? policyJson = null) => new()
    {
        ["tpm_policy"] = "{\"mask\": \"0x0\"}",
        ["runtime_policy"] = policyJson is null
            ? TenantBodies.RuntimePolicyBase64
            : Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(policyJson)),
        ["runtime_policy_key"] = "",
    };

    private static JsonObject RuntimePolicyUploadWithoutMember(string member)
    {
        var policy = JsonNode.Parse(TenantBodies.RuntimePolicyJson)!.AsObject();
        policy.Remove(member);
        return RuntimeUpload(policy.ToJsonString());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Runtime_policies_are_created_listed_read_replaced_and_deleted(string provider)
    {
        await using var server = await VerifierServer.StartAsync(provider);
        var admin = server.Admin();

        Assert.Equal(201, (await Http.PostAsync(admin, "/v2.6/allowlists/base", RuntimeUpload())).Status);
        Assert.Equal(409, (await Http.PostAsync(admin, "/v2.6/allowlists/base", RuntimeUpload())).Status);

        var (_, names) = await Http.GetAsync(admin, "/v2.6/allowlists/");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"runtimepolicy names":["base"]}"""), names!["results"]));

        var (readStatus, read) = await Http.GetAsync(admin, "/v2.6/allowlists/base");
        Assert.Equal(200, readStatus);
        Assert.Equal("base", (string?)read!["results"]!["name"]);
        Assert.Null(read["results"]!["tmp_policy"]);
        Assert.Equal(TenantBodies.RuntimePolicyJson, (string?)read["results"]!["runtime_policy"]);

        var replacement = TenantBodies.RuntimePolicyJson.Replace("\"generator\": 2", "\"generator\": 3", StringComparison.Ordinal);
        Assert.Equal(201, (await Http.SendAsync(admin, HttpMethod.Put, "/v2.6/allowlists/base", RuntimeUpload(replacement).ToJsonString())).Status);
        Assert.Equal(replacement, (string?)(await Http.GetAsync(admin, "/v2.6/allowlists/base")).Body!["results"]!["runtime_policy"]);
        Assert.Equal(404, (await Http.SendAsync(admin, HttpMethod.Put, "/v2.6/allowlists/none", RuntimeUpload().ToJsonString())).Status);

        var (deleteStatus, deleteBody) = await Http.DeleteAsync(admin, "/v2.6/allowlists/base");
        Assert.Equal(204, deleteStatus);
        Assert.Null(deleteBody);
        Assert.Equal(404, (await Http.GetAsync(admin, "/v2.6/allowlists/base")).Status);
        Assert.Equal(404, (await Http.DeleteAsync(admin, "/v2.6/allowlists/base")).Status);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task A_policy_in_use_by_an_agent_cannot_be_deleted_until_the_agent_is(string provider)
    {
        await using var server = await VerifierServer.StartAsync(provider);
        var admin = server.Admin();
        Assert.Equal(201, (await Http.PostAsync(admin, "/v2.6/allowlists/base", RuntimeUpload())).Status);
        Assert.Equal(201, (await Http.PostAsync(admin, "/v2.6/mbpolicies/boot", new JsonObject { ["mb_policy"] = TenantBodies.MbPolicyText })).Status);
        var enroll = TenantBodies.Enroll();
        enroll["runtime_policy_name"] = "base";
        enroll["mb_policy_name"] = "boot";
        Assert.Equal(200, (await Http.PostAsync(admin, "/v2.6/agents/a1", enroll)).Status);

        var (status, body) = await Http.GetAsync(admin, "/v2.6/agents/a1");
        Assert.Equal(200, status);
        Assert.Equal(1, (int?)body!["results"]!["has_runtime_policy"]);
        Assert.Equal(1, (int?)body["results"]!["has_mb_refstate"]);

        var (inUse, inUseBody) = await Http.DeleteAsync(admin, "/v2.6/allowlists/base");
        Assert.Equal(409, inUse);
        Assert.Contains("a1", (string?)inUseBody!["status"], StringComparison.Ordinal);
        Assert.Equal(409, (await Http.DeleteAsync(admin, "/v2.6/mbpolicies/boot")).Status);

        Assert.Equal(200, (await Http.DeleteAsync(admin, "/v2.6/agents/a1")).Status);
        Assert.Equal(204, (await Http.DeleteAsync(admin, "/v2.6/allowlists/base")).Status);
        Assert.Equal(204, (await Http.DeleteAsync(admin, "/v2.6/mbpolicies/boot")).Status);
    }

    [Fact]
    public async Task Measured_boot_policies_are_created_listed_read_replaced_and_deleted()
    {
        await using var server = await VerifierServer.StartAsync();
        var admin = server.Admin();
        var upload = new JsonObject { ["mb_policy"] = TenantBodies.MbPolicyText };

        Assert.Equal(201, (await Http.PostAsync(admin, "/v2.6/mbpolicies/boot", upload)).Status);
        Assert.Equal(409, (await Http.PostAsync(admin, "/v2.6/mbpolicies/boot", upload)).Status);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"mbpolicy names":["boot"]}"""), (await Http.GetAsync(admin, "/v2.6/mbpolicies/")).Body!["results"]));
        Assert.Equal(TenantBodies.MbPolicyText, (string?)(await Http.GetAsync(admin, "/v2.6/mbpolicies/boot")).Body!["results"]!["mb_policy"]);
        Assert.Equal(201, (await Http.SendAsync(admin, HttpMethod.Put, "/v2.6/mbpolicies/boot", """{"mb_policy": "{}"}""")).Status);
        Assert.Equal("{}", (string?)(await Http.GetAsync(admin, "/v2.6/mbpolicies/boot")).Body!["results"]!["mb_policy"]);
        Assert.Equal(400, (await Http.PostAsync(admin, "/v2.6/mbpolicies/bad", new JsonObject { ["mb_policy"] = "{not json" })).Status);
        Assert.Equal(204, (await Http.DeleteAsync(admin, "/v2.6/mbpolicies/boot")).Status);
        Assert.Equal(404, (await Http.GetAsync(admin, "/v2.6/mbpolicies/boot")).Status);
    }

    [Fact]
    public async Task Invalid_runtime_policies_are_refused_with_400_and_not_stored()
    {
        await using var server = await VerifierServer.StartAsync();
        var admin = server.Admin();

        Assert.Equal(400, (await Http.PostAsync(admin, "/v2.6/allowlists/x", RuntimeUpload("{not json"))).Status);
        Assert.Equal(400, (await Http.PostAsync(admin, "/v2.6/allowlists/x", RuntimeUpload("[1,2]"))).Status);
        Assert.Equal(400, (await Http.PostAsync(admin, "/v2.6/allowlists/x", new JsonObject { ["runtime_policy"] = "%%%" })).Status);
        Assert.Equal(400, (await Http.PostAsync(admin, "/v2.6/allowlists/x", new JsonObject())).Status);
        Assert.Equal(400, (await Http.PostAsync(admin, "/v2.6/allowlists/x", RuntimePolicyUploadWithoutMember("keyrings"))).Status);
        Assert.Equal(400, (await Http.PostAsync(admin, "/v2.6/allowlists/x", RuntimeUpload(TenantBodies.RuntimePolicyJson.Replace("/tmp/.*", "(unclosed", StringComparison.Ordinal)))).Status);
        // Keylime's own fixture carries "sha256:"-prefixed digests, which its upload schema refuses.
        Assert.Equal(400, (await Http.PostAsync(admin, "/v2.6/allowlists/x", RuntimeUpload(Fixtures.Text("data", "policies", "runtime-policy-test.json")))).Status);
        Assert.Equal(404, (await Http.GetAsync(admin, "/v2.6/allowlists/x")).Status);
    }

    [Fact]
    public async Task The_v3_policy_routes_store_and_serve_the_same_policies()
    {
        await using var server = await VerifierServer.StartAsync();
        var admin = server.Admin();
        var policy = JsonNode.Parse(TenantBodies.RuntimePolicyJson);
        var create = new JsonObject
        {
            ["data"] = new JsonObject { ["type"] = "ima_policy", ["attributes"] = new JsonObject { ["name"] = "v3p", ["runtime_policy"] = policy } },
        };

        Assert.Equal(201, (await Http.PostAsync(admin, "/v3/policies/ima", create)).Status);
        Assert.Equal(409, (await Http.PostAsync(admin, "/v3/policies/ima", create)).Status);
        var (status, read) = await Http.GetAsync(admin, "/v3.0/policies/ima/v3p");
        Assert.Equal(200, status);
        Assert.Equal("ima_policy", (string?)read!["data"]!["type"]);
        Assert.Equal(2, (int?)read["data"]!["attributes"]!["generator"]);
        Assert.Equal("/v3.0/policies/ima/v3p", (string?)read["data"]!["links"]!["self"]);
        Assert.Equal(200, (await Http.GetAsync(admin, "/v2.6/allowlists/v3p")).Status);

        var refstate = new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "uefi_refstate", ["id"] = "boot",
                ["attributes"] = new JsonObject { ["mb_policy"] = JsonNode.Parse(TenantBodies.MbPolicyText) },
            },
        };
        Assert.Equal(201, (await Http.PostAsync(admin, "/v3/refstates/uefi", refstate)).Status);
        Assert.Equal(200, (await Http.GetAsync(admin, "/v2.6/mbpolicies/boot")).Status);

        var (missing, error) = await Http.GetAsync(admin, "/v3/policies/ima/none");
        Assert.Equal(404, missing);
        Assert.Equal("not_found", (string?)error!["errors"]![0]!["code"]);
        Assert.Equal(204, (await Http.DeleteAsync(admin, "/v3/policies/ima/v3p")).Status);
        Assert.Equal(204, (await Http.DeleteAsync(admin, "/v3/refstates/uefi/boot")).Status);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Nul_and_control_characters_are_400_not_a_database_error(string provider)
    {
        await using var server = await VerifierServer.StartAsync(provider);
        var admin = server.Admin();
        var enroll = TenantBodies.Enroll();
        enroll["metadata"] = "a\u0000b";

        Assert.Equal(400, (await Http.GetAsync(admin, "/v2.6/allowlists/a%00b")).Status);
        Assert.Equal(400, (await Http.DeleteAsync(admin, "/v2.6/mbpolicies/a%01b")).Status);
        Assert.Equal(400, (await Http.GetAsync(admin, "/v3.0/policies/ima/a%00b")).Status);
        Assert.Equal(400, (await Http.PostAsync(admin, "/v2.6/agents/nul", enroll)).Status);
        Assert.Equal(404, (await Http.GetAsync(admin, "/v2.6/agents/nul")).Status);
    }
}
