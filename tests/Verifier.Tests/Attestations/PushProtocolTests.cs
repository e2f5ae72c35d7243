using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Keylime.Shared.Tpm;
using Keylime.Verifier.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Tests.Attestations;

/// <summary>
/// The push protocol end to end over HTTPS against a real verifier and database, with the push agent's
/// software TPM producing real TPMS_ATTEST / TPMT_SIGNATURE (spec/verifier.md §6–9, the §13 checklist).
/// </summary>
public abstract class PushProtocolTests(ProtocolFixture fixture)
{
    private VerifierServer Server => fixture.Server;

    private async Task<PushAgentSim> AuthenticatedAgentAsync(string tpmPolicy = TenantBodies.MaskOnlyPolicy, TpmAlg scheme = TpmAlg.RsaSsa)
    {
        var agent = PushAgentSim.Software(Server, scheme);
        await agent.EnrollAsync(tpmPolicy);
        var (status, body) = await agent.AuthenticateAsync();
        Assert.True(status == 200 && body!["data"]!["attributes"]!["evaluation"]!.GetValue<string>() == "pass", $"{status} {body}");
        return agent;
    }

    [Fact]
    public async Task A_full_cycle_passes_and_counts_on_the_agent()
    {
        using var agent = await AuthenticatedAgentAsync();
        var (status, created, response) = await agent.CreateAttestationAsync();
        Assert.Equal(201, status);
        Assert.Equal($"/v3.0/agents/{agent.AgentId}/attestations/0", response.Headers.Location!.OriginalString);
        Assert.Equal("0", created!["data"]!["id"]!.GetValue<string>());
        var (patched, accepted, _) = await agent.SubmitAsync(response.Headers.Location.OriginalString, agent.Evidence(created));
        Assert.Equal(202, patched);
        Assert.Equal(2, accepted!["meta"]!["seconds_to_next_attestation"]!.GetValue<int>());

        var verdict = await agent.VerdictAsync(0);
        Assert.Equal("pass", verdict["evaluation"]!.GetValue<string>());
        var (_, statusBody) = await Http.GetAsync(Server.Admin(), $"/v2.6/agents/{agent.AgentId}");
        Assert.Equal(1, statusBody!["results"]!["attestation_count"]!.GetValue<int>());
        Assert.Equal("PASS", statusBody["results"]!["attestation_status"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_ECDSA_P256_AK_completes_a_cycle()
    {
        using var agent = await AuthenticatedAgentAsync(scheme: TpmAlg.EcDsa);
        var index = await agent.CycleAsync();
        Assert.Equal("pass", (await agent.VerdictAsync(index))["evaluation"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_forged_quote_signature_is_a_broken_evidence_chain()
    {
        using var agent = await AuthenticatedAgentAsync();
        var index = await agent.CycleAsync(body => Mutate(body, "signature", bytes => bytes[^1] ^= 0x01));
        var verdict = await agent.VerdictAsync(index);
        Assert.Equal("fail", verdict["evaluation"]!.GetValue<string>());
        Assert.Equal("broken_evidence_chain", verdict["failure_reason"]!.GetValue<string>());
        Assert.Contains("Signature", verdict["failure_detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quote_over_another_nonce_is_a_broken_evidence_chain()
    {
        using var agent = await AuthenticatedAgentAsync();
        var (_, created, response) = await agent.CreateAttestationAsync();
        var evidence = agent.Evidence(created!, nonceOverride: RandomNumberGenerator.GetBytes(16));
        Assert.Equal(202, (await agent.SubmitAsync(response.Headers.Location!.OriginalString, evidence)).Status);
        var verdict = await agent.VerdictAsync(0);
        Assert.Equal("broken_evidence_chain", verdict["failure_reason"]!.GetValue<string>());
        Assert.Contains("Nonce", verdict["failure_detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replayed_evidence_is_refused_and_old_evidence_fails_a_new_challenge()
    {
        using var agent = await AuthenticatedAgentAsync();
        var (_, created, response) = await agent.CreateAttestationAsync();
        var location = response.Headers.Location!.OriginalString;
        var evidence = agent.Evidence(created!);
        Assert.Equal(202, (await agent.SubmitAsync(location, evidence)).Status);
        var (again, body, _) = await agent.SubmitAsync(location, evidence);
        Assert.Equal(403, again);
        Assert.Equal("evidence_immutable", body!["errors"]![0]!["code"]!.GetValue<string>());
        await agent.VerdictAsync(0);

        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        var (_, next, nextResponse) = await agent.CreateAttestationAsync();
        Assert.Equal(202, (await agent.SubmitAsync(nextResponse.Headers.Location!.OriginalString, evidence)).Status);
        Assert.Equal("broken_evidence_chain", (await agent.VerdictAsync(1))["failure_reason"]!.GetValue<string>());
        Assert.NotNull(next);
    }

    [Fact]
    public async Task Evidence_for_a_non_latest_attestation_is_refused_with_403()
    {
        using var agent = await AuthenticatedAgentAsync();
        var (_, first, _) = await agent.CreateAttestationAsync();
        var (status, _, _) = await agent.CreateAttestationAsync();
        Assert.Equal(201, status); // the first never got evidence: it does not block a new one
        var (patched, body, _) = await agent.SubmitAsync($"{agent.Path}/0", agent.Evidence(first!));
        Assert.Equal(403, patched);
        Assert.Equal("old_attestation", body!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Evidence_after_the_challenge_expired_is_refused_with_403()
    {
        using var agent = await AuthenticatedAgentAsync();
        var (_, created, response) = await agent.CreateAttestationAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds(Server.Options.ChallengeLifetime));
        await agent.AuthenticateAsync(); // the token (180 s) expired too; the agent re-authenticates
        var (patched, body, _) = await agent.SubmitAsync(response.Headers.Location!.OriginalString, agent.Evidence(created!));
        Assert.Equal(403, patched);
        Assert.Equal("challenges_expired", body!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_tampered_PCR_value_is_a_policy_violation()
    {
        using var agent = await AuthenticatedAgentAsync(TenantBodies.Pcr23Policy);
        Assert.Equal("pass", (await agent.VerdictAsync(await agent.CycleAsync()))["evaluation"]!.GetValue<string>());
        agent.Tpm.ExtendPcr(23, TpmAlg.Sha256, SHA256.HashData("rootkit"u8));
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        var verdict = await agent.VerdictAsync(await agent.CycleAsync());
        Assert.Equal("policy_violation", verdict["failure_reason"]!.GetValue<string>());
        Assert.Contains("PCR 23", verdict["failure_detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_PCR_blob_that_does_not_match_pcrDigest_is_a_broken_evidence_chain()
    {
        using var agent = await AuthenticatedAgentAsync();
        // First value slot of the first TPML_DIGEST: 132-byte selection, u32 count, u32 digest count, u16 size.
        var index = await agent.CycleAsync(body => Mutate(body, "subject_data", bytes => bytes[132 + 4 + 4 + 2] ^= 0xFF));
        var verdict = await agent.VerdictAsync(index);
        Assert.Equal("broken_evidence_chain", verdict["failure_reason"]!.GetValue<string>());
        Assert.Contains("PcrDigest", verdict["failure_detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_agents_valid_token_is_refused_with_403()
    {
        using var agent = await AuthenticatedAgentAsync();
        using var other = await AuthenticatedAgentAsync();
        var (status, _, _) = await PushAgentSim.SendFullAsync(other.Client, HttpMethod.Post, agent.Path, agent.Capabilities());
        Assert.Equal(403, status);
    }

    [Fact]
    public async Task An_expired_token_is_refused_with_401()
    {
        using var agent = await AuthenticatedAgentAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds(Server.Options.SessionLifetime + 1));
        Assert.Equal(401, (await agent.CreateAttestationAsync()).Status);
    }

    [Fact]
    public async Task A_deleted_agents_token_is_refused_with_401()
    {
        using var agent = await AuthenticatedAgentAsync();
        Assert.Equal(200, (await Http.DeleteAsync(Server.Admin(), $"/v2.6/agents/{agent.AgentId}")).Status);
        Assert.Equal(401, (await agent.CreateAttestationAsync()).Status);
    }

    [Fact]
    public async Task An_attestation_before_quote_interval_is_429_with_Retry_After()
    {
        using var agent = await AuthenticatedAgentAsync();
        await agent.VerdictAsync(await agent.CycleAsync());
        var (status, body, response) = await agent.CreateAttestationAsync();
        Assert.Equal(429, status);
        Assert.Equal("premature_attestation", body!["errors"]![0]!["code"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task A_silent_agent_times_out_is_refused_with_403_and_is_back_after_reactivation()
    {
        using var agent = await AuthenticatedAgentAsync();
        await agent.VerdictAsync(await agent.CycleAsync());
        fixture.Time.Advance(TimeSpan.FromSeconds(11)); // quote_interval 2 × 5 = 10 s of silence
        await fixture.Monitor.SweepAsync(CancellationToken.None);
        await agent.AuthenticateAsync();
        var (refused, body, _) = await agent.CreateAttestationAsync();
        Assert.Equal(403, refused);
        Assert.Equal("agent_attestations_disabled", body!["errors"]![0]!["code"]!.GetValue<string>());
        var (_, statusBody) = await Http.GetAsync(Server.Admin(), $"/v2.6/agents/{agent.AgentId}");
        Assert.Equal("TIMEOUT", statusBody!["results"]!["attestation_status"]!.GetValue<string>());

        var reactivate = await Http.SendAsync(Server.Admin(), HttpMethod.Put, $"/v2.6/agents/{agent.AgentId}/reactivate");
        Assert.Equal(200, reactivate.Status);
        Assert.Equal(201, (await agent.CreateAttestationAsync()).Status);
    }

    [Fact]
    public async Task A_PoP_with_a_forged_certify_signature_is_401_and_the_challenge_is_single_use()
    {
        using var agent = PushAgentSim.Software(Server);
        await agent.EnrollAsync();
        var (status, body) = await agent.AuthenticateAsync(signature => { var copy = signature.ToArray(); copy[^1] ^= 1; return copy; });
        Assert.Equal(401, status);
        Assert.Equal("fail", body!["data"]!["attributes"]!["evaluation"]!.GetValue<string>());
        Assert.Null(agent.Token);
    }

    [Fact]
    public async Task Concurrent_sessions_for_one_agent_never_fail_with_500()
    {
        using var agent = PushAgentSim.Software(Server);
        await agent.EnrollAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => agent.AuthenticateAsync()));
        Assert.All(results, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task Evidence_refused_as_malformed_can_be_sent_again_to_the_same_attestation()
    {
        using var agent = await AuthenticatedAgentAsync();
        var (_, created, response) = await agent.CreateAttestationAsync();
        var location = response.Headers.Location!.OriginalString;
        var wrong = agent.Evidence(created!);
        wrong["data"]!["attributes"]!["evidence_collected"]![0]!["data"]!["subject_data"] = "not base64!";

        var (refused, body, _) = await agent.SubmitAsync(location, wrong);
        Assert.Equal(422, refused);
        Assert.Equal("/data/attributes/evidence_collected/0/data/subject_data", body!["errors"]![0]!["source"]!["pointer"]!.GetValue<string>());
        Assert.Equal(202, (await agent.SubmitAsync(location, agent.Evidence(created!))).Status);
        Assert.Equal("pass", (await agent.VerdictAsync(0))["evaluation"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("message", "/data/attributes/evidence_collected/0/data")]
    [InlineData("signature", "/data/attributes/evidence_collected/0/data")]
    [InlineData("subject_data", "/data/attributes/evidence_collected/0/data/subject_data")]
    public async Task A_quote_part_that_does_not_decode_is_refused_with_a_pointer_to_it_and_nothing_is_stored(string part, string pointer)
    {
        using var agent = await AuthenticatedAgentAsync();
        var (_, created, response) = await agent.CreateAttestationAsync();
        var location = response.Headers.Location!.OriginalString;
        var wrong = agent.Evidence(created!);
        wrong["data"]!["attributes"]!["evidence_collected"]![0]!["data"]![part] = "%%%";

        var (refused, body, _) = await agent.SubmitAsync(location, wrong);

        Assert.Equal(422, refused);
        Assert.Equal(pointer, body!["errors"]![0]!["source"]!["pointer"]!.GetValue<string>());
        Assert.Equal(202, (await agent.SubmitAsync(location, agent.Evidence(created!))).Status); // still awaiting evidence
    }

    [Fact]
    public async Task Concurrent_submissions_of_one_attestation_accept_exactly_one_and_count_once()
    {
        using var agent = await AuthenticatedAgentAsync();
        var (_, created, response) = await agent.CreateAttestationAsync();
        var location = response.Headers.Location!.OriginalString;

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => agent.SubmitAsync(location, agent.Evidence(created!))));

        Assert.Single(results, r => r.Status == 202);
        Assert.All(results.Where(r => r.Status != 202), r =>
            Assert.Equal((403, "evidence_immutable"), (r.Status, r.Body!["errors"]![0]!["code"]!.GetValue<string>())));
        Assert.Equal("pass", (await agent.VerdictAsync(0))["evaluation"]!.GetValue<string>());
        var (_, statusBody) = await Http.GetAsync(Server.Admin(), $"/v2.6/agents/{agent.AgentId}");
        Assert.Equal(1, statusBody!["results"]!["attestation_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Evidence_for_a_deleted_agents_attestation_stores_nothing()
    {
        using var agent = await AuthenticatedAgentAsync();
        var (_, created, response) = await agent.CreateAttestationAsync();
        Assert.Equal(204, (await Http.DeleteAsync(Server.Admin(), $"/v3/agents/{agent.AgentId}")).Status);

        var (status, _, _) = await agent.SubmitAsync(response.Headers.Location!.OriginalString, agent.Evidence(created!));

        Assert.Equal(401, status); // the deletion revoked the token with the agent
        Assert.Equal(0, await Server.WithDbAsync(db => db.Attestations.CountAsync(a => a.AgentId == agent.AgentId)));
    }

    [Fact]
    public async Task Attestation_reads_echo_the_stored_evidence_exactly_list_in_order_and_404_what_does_not_exist()
    {
        using var agent = await AuthenticatedAgentAsync();
        var (_, created, response) = await agent.CreateAttestationAsync();
        var evidence = agent.Evidence(created!);
        Assert.Equal(202, (await agent.SubmitAsync(response.Headers.Location!.OriginalString, evidence)).Status);
        await agent.VerdictAsync(0);
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        var second = await agent.CycleAsync();
        await agent.VerdictAsync(second);
        var admin = Server.Admin();

        var (oneStatus, one) = await Http.GetAsync(admin, $"{agent.Path}/0");
        var (ownStatus, own) = await Http.GetAsync(agent.Client, $"{agent.Path}/0");
        var (allStatus, all) = await Http.GetAsync(admin, agent.Path);
        var (latestStatus, latest) = await Http.GetAsync(admin, $"{agent.Path}/latest");

        Assert.Equal((200, 200, 200, 200), (oneStatus, ownStatus, allStatus, latestStatus));
        var item = one!["data"]!["attributes"]!["evidence"]![0]!;
        var sent = evidence["data"]!["attributes"]!["evidence_collected"]![0]!["data"]!;
        Assert.True(JsonNode.DeepEquals(sent, item["data"]), $"{sent} vs {item["data"]}");
        Assert.True(JsonNode.DeepEquals(created!["data"]!["attributes"]!["evidence_requested"]![0]!["chosen_parameters"], item["chosen_parameters"]));
        Assert.Equal("2.0", item["capabilities"]!["component_version"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(one, own));
        Assert.Equal(["0", "1"], all!["data"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()));
        Assert.Equal("1", latest!["data"]!["id"]!.GetValue<string>());
        Assert.Equal(404, (await Http.GetAsync(admin, $"{agent.Path}/7")).Status);
        Assert.Equal(404, (await Http.GetAsync(admin, $"{agent.Path}/x1")).Status);
        Assert.Equal(404, (await Http.GetAsync(admin, "/v3.0/agents/no-such-agent/attestations/latest")).Status);
    }

    private static void Mutate(JsonObject body, string field, Action<byte[]> change)
    {
        var data = body["data"]!["attributes"]!["evidence_collected"]![0]!["data"]!;
        var bytes = Convert.FromBase64String(data[field]!.GetValue<string>());
        change(bytes);
        data[field] = Convert.ToBase64String(bytes);
    }
}

[Collection("verifier-protocol")]
public sealed class SqlitePushProtocolTests(SqliteProtocolFixture fixture) : PushProtocolTests(fixture), IClassFixture<SqliteProtocolFixture>;

[Collection("verifier-protocol")]
public sealed class PostgresPushProtocolTests(PostgresProtocolFixture fixture) : PushProtocolTests(fixture), IClassFixture<PostgresProtocolFixture>;
