using System.Text.Json.Nodes;
using Keylime.Verifier.Data;
using Keylime.Verifier.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Tests.Agents;

/// <summary>Agent management over HTTPS (spec/verifier.md §4.3–4.5 and the v3 admin routes).</summary>
public sealed class AgentApiTests
{
    [Fact]
    public async Task Delete_removes_attestations_and_revokes_sessions_and_the_agent_can_be_enrolled_again()
    {
        await using var server = await VerifierServer.StartAsync();
        var admin = server.Admin();
        Assert.Equal(200, (await Http.PostAsync(admin, "/v2.6/agents/a1", TenantBodies.Enroll())).Status);
        var now = DateTime.UtcNow;
        await server.WithDbAsync(async db =>
        {
            db.Attestations.Add(new Attestation
            {
                AgentId = "a1", Index = 0, BootTime = now, CapabilitiesReceivedAt = now, ChallengesExpireAt = now.AddMinutes(30),
                EvidenceItems = [new EvidenceItem { EvidenceClass = "certification", EvidenceType = "tpm_quote" }],
            });
            db.Sessions.Add(new AuthSession { SessionId = Guid.NewGuid(), AgentId = "a1", TokenHash = "h", TokenSalt = "s", Active = true, TokenExpiresAt = now.AddMinutes(3) });
            return await db.SaveChangesAsync();
        });

        Assert.Equal(200, (await Http.DeleteAsync(admin, "/v2.6/agents/a1")).Status);

        Assert.Equal(0, await server.WithDbAsync(db => db.Attestations.CountAsync()));
        Assert.Equal(0, await server.WithDbAsync(db => db.Sessions.CountAsync()));
        Assert.Equal(0, await server.WithDbAsync(db => db.RuntimePolicies.CountAsync()));
        Assert.Equal(0, await server.WithDbAsync(db => db.MeasuredBootPolicies.CountAsync()));
        Assert.Equal(200, (await Http.PostAsync(admin, "/v2.6/agents/a1", TenantBodies.Enroll())).Status);
        Assert.Equal("PENDING", (string?)(await Http.GetAsync(admin, "/v2.6/agents/a1")).Body!["results"]!["attestation_status"]);
    }

    [Fact]
    public async Task Reactivate_accepts_attestations_again_and_stop_marks_the_agent_terminated()
    {
        await using var server = await VerifierServer.StartAsync();
        var admin = server.Admin();
        Assert.Equal(200, (await Http.PostAsync(admin, "/v2.6/agents/a1", TenantBodies.Enroll())).Status);
        await server.WithDbAsync(db => db.Agents.ExecuteUpdateAsync(s => s.SetProperty(a => a.AcceptAttestations, false)));
        Assert.Equal("TIMEOUT", (string?)(await Http.GetAsync(admin, "/v2.6/agents/a1")).Body!["results"]!["attestation_status"]);

        Assert.Equal(200, (await Http.SendAsync(admin, HttpMethod.Put, "/v2.6/agents/a1/reactivate")).Status);
        Assert.Equal("PENDING", (string?)(await Http.GetAsync(admin, "/v2.6/agents/a1")).Body!["results"]!["attestation_status"]);

        Assert.Equal(200, (await Http.SendAsync(admin, HttpMethod.Put, "/v2.6/agents/a1/stop")).Status);
        Assert.Equal(10, (int?)(await Http.GetAsync(admin, "/v2.6/agents/a1")).Body!["results"]!["operational_state"]);

        Assert.Equal(404, (await Http.SendAsync(admin, HttpMethod.Put, "/v2.6/agents/none/reactivate")).Status);
        Assert.Equal(404, (await Http.SendAsync(admin, HttpMethod.Put, "/v2.6/agents/none/stop")).Status);
        Assert.Equal(404, (await Http.DeleteAsync(admin, "/v2.6/agents/none")).Status);
    }

    [Fact]
    public async Task Failures_show_as_FAIL_and_passed_attestations_as_PASS()
    {
        await using var server = await VerifierServer.StartAsync();
        var admin = server.Admin();
        Assert.Equal(200, (await Http.PostAsync(admin, "/v2.6/agents/a1", TenantBodies.Enroll())).Status);

        await server.WithDbAsync(db => db.Agents.ExecuteUpdateAsync(s => s.SetProperty(a => a.AttestationCount, 3)));
        Assert.Equal("PASS", (string?)(await Http.GetAsync(admin, "/v2.6/agents/a1")).Body!["results"]!["attestation_status"]);
        await server.WithDbAsync(db => db.Agents.ExecuteUpdateAsync(s => s.SetProperty(a => a.ConsecutiveAttestationFailures, 1)));
        Assert.Equal("FAIL", (string?)(await Http.GetAsync(admin, "/v2.6/agents/a1")).Body!["results"]!["attestation_status"]);
        await server.WithDbAsync(db => db.Agents.ExecuteUpdateAsync(s => s.SetProperty(a => a.AcceptAttestations, false)));
        Assert.Equal("FAIL", (string?)(await Http.GetAsync(admin, "/v2.6/agents/a1")).Body!["results"]!["attestation_status"]);
    }

    [Fact]
    public async Task The_list_filters_by_verifier_id_and_bulk_returns_every_status()
    {
        await using var server = await VerifierServer.StartAsync();
        var admin = server.Admin();
        Assert.Equal(200, (await Http.PostAsync(admin, "/v2.6/agents/a1", TenantBodies.Enroll())).Status);
        Assert.Equal(200, (await Http.PostAsync(admin, "/v2.6/agents/a2", TenantBodies.Enroll())).Status);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"uuids":[["a1"],["a2"]]}"""), (await Http.GetAsync(admin, "/v2.6/agents/")).Body!["results"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"uuids":[]}"""), (await Http.GetAsync(admin, "/v2.6/agents/?verifier=other")).Body!["results"]));
        var bulk = (await Http.GetAsync(admin, "/v2.6/agents/?bulk=True&verifier=default")).Body!["results"]!.AsObject();
        Assert.Equal(["a1", "a2"], bulk.Select(p => p.Key));
        Assert.Equal("PENDING", (string?)bulk["a2"]!["attestation_status"]);
    }

    [Fact]
    public async Task Invalid_agent_ids_are_400()
    {
        await using var server = await VerifierServer.StartAsync();
        var admin = server.Admin();

        var (status, body) = await Http.PostAsync(admin, "/v2.6/agents/bad%20id", TenantBodies.Enroll());
        Assert.Equal(400, status);
        Assert.Equal("agent_id not not valid", (string?)body!["status"]);
        Assert.Equal(400, (await Http.GetAsync(admin, "/v2.6/agents/" + new string('a', 81))).Status);
        Assert.Equal(0, await server.WithDbAsync(db => db.Agents.CountAsync()));
    }

    [Fact]
    public async Task The_v3_routes_enroll_read_patch_list_and_delete_in_json_api()
    {
        await using var server = await VerifierServer.StartAsync();
        var admin = server.Admin();
        var attributes = TenantBodies.Enroll();
        attributes["agent_id"] = "v3-agent";
        var document = new JsonObject { ["data"] = new JsonObject { ["type"] = "agent", ["attributes"] = attributes } };

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v3.0/agents") { Content = new StringContent(document.ToJsonString()) })
        {
            request.Content.Headers.ContentType = new("application/vnd.api+json");
            using var response = await admin.SendAsync(request);
            Assert.Equal(201, (int)response.StatusCode);
            Assert.Equal("/v3.0/agents/v3-agent", response.Headers.Location?.OriginalString);
        }

        var (status, read) = await Http.GetAsync(admin, "/v3.0/agents/v3-agent");
        Assert.Equal(200, status);
        Assert.Equal("agent", (string?)read!["data"]!["type"]);
        Assert.Equal("v3-agent", (string?)read["data"]!["id"]);
        Assert.True((bool?)read["data"]!["attributes"]!["accept_attestations"]);

        var patch = JsonNode.Parse("""{"data":{"type":"agent","attributes":{"tpm_policy":{"15":["0000000000000000000000000000000000000000000000000000000000000000"],"mask":"0x8000"},"accept_attestations":false}}}""")!;
        var (patched, patchedBody) = await Http.SendAsync(admin, HttpMethod.Patch, "/v3.0/agents/v3-agent", patch.ToJsonString());
        Assert.Equal(200, patched);
        Assert.Equal("TIMEOUT", (string?)patchedBody!["data"]!["attributes"]!["attestation_status"]);
        Assert.Contains("0x8000", (string?)patchedBody["data"]!["attributes"]!["tpm_policy"], StringComparison.Ordinal);

        var badPatch = """{"data":{"type":"agent","attributes":{"runtime_policy_name":"none"}}}""";
        Assert.Equal(404, (await Http.SendAsync(admin, HttpMethod.Patch, "/v3.0/agents/v3-agent", badPatch)).Status);

        var (listStatus, list) = await Http.GetAsync(admin, "/v3/agents");
        Assert.Equal(200, listStatus);
        Assert.Single(list!["data"]!.AsArray());

        var (duplicate, conflict) = await Http.PostAsync(admin, "/v3.0/agents", document);
        Assert.Equal(409, duplicate);
        Assert.Equal("conflict", (string?)conflict!["errors"]![0]!["code"]);

        Assert.Equal(204, (await Http.DeleteAsync(admin, "/v3.0/agents/v3-agent")).Status);
        Assert.Equal(404, (await Http.GetAsync(admin, "/v3.0/agents/v3-agent")).Status);
    }

    [Fact]
    public async Task After_a_restart_enrolled_agents_show_operational_state_1_until_they_attest()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using (var first = await VerifierServer.StartAsync(database, ownsDatabase: false))
        {
            Assert.Equal(200, (await Http.PostAsync(first.Admin(), "/v2.6/agents/a1", TenantBodies.Enroll())).Status);
            Assert.Equal(200, (await Http.PostAsync(first.Admin(), "/v2.6/agents/a2", TenantBodies.Enroll())).Status);
            Assert.Equal(200, (await Http.SendAsync(first.Admin(), HttpMethod.Put, "/v2.6/agents/a2/stop")).Status);
        }

        await using var second = await VerifierServer.StartAsync(database, ownsDatabase: false);

        Assert.Equal(1, (int?)(await Http.GetAsync(second.Admin(), "/v2.6/agents/a1")).Body!["results"]!["operational_state"]);
        Assert.Equal(10, (int?)(await Http.GetAsync(second.Admin(), "/v2.6/agents/a2")).Body!["results"]!["operational_state"]);
    }
}
