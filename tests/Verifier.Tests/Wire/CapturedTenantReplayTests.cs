using System.Text.Json.Nodes;
using Keylime.Verifier.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Tests.Wire;

/// <summary>
/// The Python tenant's exchange with Keylime's verifier (spec/captures/verifier.md) replayed over
/// HTTPS with cv_ca's client certificate: same requests (enrollment POST without Content-Type,
/// verifier_port as a string, JSON-string fields), same statuses and result fields.
/// </summary>
public sealed class CapturedTenantReplayTests
{
    private const string AgentId = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000";
    private const string AgentPath = "/v2.6/agents/" + AgentId;

    public static TheoryData<string> Providers => [TestDatabase.Sqlite, TestDatabase.Postgres];

    /// <summary>Capture #3: the status right after enrollment, every field.</summary>
    private static JsonNode ExpectedStatus(string tpmPolicy) => JsonNode.Parse($$"""
        {
          "operational_state": 3, "v": null, "ip": null, "port": null,
          "tpm_policy": {{JsonValue.Create(tpmPolicy).ToJsonString()}}, "meta_data": "{}",
          "has_mb_refstate": 0, "has_runtime_policy": 0,
          "accept_tpm_hash_algs": ["sha512", "sha384", "sha256"],
          "accept_tpm_encryption_algs": ["ecc", "rsa"],
          "accept_tpm_signing_algs": ["ecschnorr", "rsassa"],
          "hash_alg": "", "enc_alg": "", "sign_alg": "",
          "verifier_id": "default", "verifier_ip": "127.0.0.1", "verifier_port": 18881,
          "severity_level": null, "last_event_id": null,
          "attestation_count": 0, "last_received_quote": 0, "last_successful_attestation": 0,
          "attestation_status": "PENDING", "attestation_period": "2s", "maximum_attestation_interval": "10s"
        }
        """)!;

    [Theory, MemberData(nameof(Providers))]
    public async Task The_tenants_add_status_list_delete_readd_sequence_gets_the_recorded_answers(string provider)
    {
        await using var server = await VerifierServer.StartAsync(provider);
        var tenant = server.Admin();

        // #0/#1: version probe. Documented deviation: 200 with the versions instead of 410 (VersionsApi).
        var (versionStatus, version) = await Http.GetAsync(tenant, "/version");
        Assert.Equal(200, versionStatus);
        Assert.Equal("2.6", (string?)version!["results"]!["current_version"]);

        // #2: enrollment, no Content-Type.
        var (enrollStatus, enrolled) = await Http.PostAsync(tenant, AgentPath, TenantBodies.Enroll());
        Assert.Equal(200, enrollStatus);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"code":200,"status":"Success","results":{}}"""), enrolled));

        // #3, #5, #7: status.
        var (status, body) = await Http.GetAsync(tenant, AgentPath);
        Assert.Equal(200, status);
        Assert.Equal(200, (int)body!["code"]!);
        Assert.Equal("Success", (string?)body["status"]);
        Assert.True(JsonNode.DeepEquals(ExpectedStatus(TenantBodies.MaskOnlyPolicy), body["results"]), body["results"]!.ToJsonString());

        // #9: cvlist, each id wrapped in a one-element list.
        var (listStatus, list) = await Http.GetAsync(tenant, "/v2.6/agents/?verifier=");
        Assert.Equal(200, listStatus);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""{"uuids":[["{{AgentId}}"]]}"""), list!["results"]));

        // #12: delete; #14: gone.
        var (deleteStatus, deleted) = await Http.DeleteAsync(tenant, AgentPath);
        Assert.Equal(200, deleteStatus);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"code":200,"status":"Success","results":{}}"""), deleted));
        var (goneStatus, gone) = await Http.GetAsync(tenant, AgentPath);
        Assert.Equal(404, goneStatus);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"code":404,"status":"agent id not found","results":{}}"""), gone));

        // #16/#17: re-enrollment with a PCR 23 policy.
        Assert.Equal(200, (await Http.PostAsync(tenant, AgentPath, TenantBodies.Enroll(tpmPolicy: TenantBodies.Pcr23Policy))).Status);
        var (readdStatus, readded) = await Http.GetAsync(tenant, AgentPath);
        Assert.Equal(200, readdStatus);
        Assert.True(JsonNode.DeepEquals(ExpectedStatus(TenantBodies.Pcr23Policy), readded!["results"]), readded["results"]!.ToJsonString());

        // #20: final delete.
        Assert.Equal(200, (await Http.DeleteAsync(tenant, AgentPath)).Status);
    }

    [Fact]
    public async Task A_timed_out_agent_shows_TIMEOUT_with_the_cadence_of_quote_interval()
    {
        // Capture #19: quote_interval = 1, two passed attestations, then silence past 5 s.
        await using var server = await VerifierServer.StartAsync(overrides: new Dictionary<string, string> { ["KEYLIME_VERIFIER_QUOTE_INTERVAL"] = "1" });
        var tenant = server.Admin();
        Assert.Equal(200, (await Http.PostAsync(tenant, AgentPath, TenantBodies.Enroll(tpmPolicy: TenantBodies.Pcr23Policy))).Status);
        // The attestation protocol is not part of this service slice: put the agent in the state it leaves.
        await server.WithDbAsync(db => db.Agents.ExecuteUpdateAsync(set => set
            .SetProperty(a => a.OperationalState, 1)
            .SetProperty(a => a.AttestationCount, 2)
            .SetProperty(a => a.LastReceivedQuote, 1795889038)
            .SetProperty(a => a.LastSuccessfulAttestation, 1795889038)
            .SetProperty(a => a.AcceptAttestations, false)));

        var (status, body) = await Http.GetAsync(tenant, AgentPath);

        Assert.Equal(200, status);
        var results = body!["results"]!;
        Assert.Equal(1, (int?)results["operational_state"]);
        Assert.Equal(2, (int?)results["attestation_count"]);
        Assert.Equal(1795889038, (long?)results["last_received_quote"]);
        Assert.Equal(1795889038, (long?)results["last_successful_attestation"]);
        Assert.Equal("TIMEOUT", (string?)results["attestation_status"]);
        Assert.Equal("1s", (string?)results["attestation_period"]);
        Assert.Equal("5s", (string?)results["maximum_attestation_interval"]);
    }
}
