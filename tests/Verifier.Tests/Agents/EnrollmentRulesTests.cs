using System.Text.Json;
using System.Text.Json.Nodes;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Data;
using Keylime.Verifier.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keylime.Verifier.Tests.Agents;

/// <summary>
/// Enrollment rules of spec/verifier.md §4.1 (check order 400 → 404/409 → 409 → 400 → 404/409),
/// run against the services on real SQLite and PostgreSQL databases.
/// </summary>
public sealed class EnrollmentRulesTests
{
    public static TheoryData<string> Providers => [TestDatabase.Sqlite, TestDatabase.Postgres];

    private static EnrollRequest Parse(JsonObject body) =>
        JsonSerializer.Deserialize(body.ToJsonString(), VerifierJson.Default.EnrollRequest)!;

    private static async Task<(int? Status, string? Message)> EnrollAsync(IServiceProvider services, string id, JsonObject body)
    {
        await using var scope = services.CreateAsyncScope();
        var failure = await scope.ServiceProvider.GetRequiredService<AgentEnrollment>().EnrollAsync(id, Parse(body), CancellationToken.None);
        return (failure?.Status, failure?.Message);
    }

    private static async Task<T> WithDbAsync<T>(IServiceProvider services, Func<VerifierDbContext, Task<T>> query)
    {
        await using var scope = services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<VerifierDbContext>());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task The_tenants_enrollment_stores_every_field_with_push_defaults(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await database.ServicesAsync();

        Assert.Equal((null, null), await EnrollAsync(services, "agent-1", TenantBodies.Enroll()));

        var agent = await WithDbAsync(services, db => db.Agents.Include(a => a.RuntimePolicy).Include(a => a.MbPolicy).SingleAsync());
        Assert.Equal("agent-1", agent.AgentId);
        Assert.Equal(Convert.FromBase64String(Fixtures.AkRsa), agent.AkTpm);
        Assert.Equal(TenantBodies.MaskOnlyPolicy, agent.TpmPolicy);
        Assert.Equal(["sha512", "sha384", "sha256"], agent.AcceptTpmHashAlgs);
        Assert.Equal(["ecc", "rsa"], agent.AcceptTpmEncryptionAlgs);
        Assert.Equal(["ecschnorr", "rsassa"], agent.AcceptTpmSigningAlgs);
        Assert.Equal("{}", agent.MetaData);
        Assert.Null(agent.Ip);
        Assert.Null(agent.Port);
        Assert.Equal("127.0.0.1", agent.VerifierIp);
        Assert.Equal(18881, agent.VerifierPort);
        Assert.Equal("default", agent.VerifierId);
        Assert.Equal(OperationalStates.GetQuote, agent.OperationalState);
        Assert.True(agent.AcceptAttestations);
        Assert.Equal(0, agent.AttestationCount);
        Assert.Equal(0, agent.LastReceivedQuote);
        Assert.Equal("1.0", agent.SupportedVersion);
        Assert.Equal("agent-1", agent.RuntimePolicy!.Name);
        Assert.Equal(RuntimePolicy.EmptyPolicyGenerator, agent.RuntimePolicy.Generator);
        Assert.Equal("agent-1", agent.MbPolicy!.Name);
        Assert.Null(agent.MbPolicy.MbPolicy);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task A_second_enrollment_of_the_same_id_is_refused_with_409(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await database.ServicesAsync();

        await EnrollAsync(services, "agent-1", TenantBodies.Enroll());
        var (status, message) = await EnrollAsync(services, "agent-1", TenantBodies.Enroll());

        Assert.Equal(409, status);
        Assert.Contains("already exists", message, StringComparison.Ordinal);
        Assert.Equal(1, await WithDbAsync(services, db => db.Agents.CountAsync()));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task An_unknown_runtime_policy_name_without_a_policy_is_404_and_stores_nothing(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await database.ServicesAsync();
        var body = TenantBodies.Enroll();
        body["runtime_policy_name"] = "no-such-policy";

        Assert.Equal(404, (await EnrollAsync(services, "agent-1", body)).Status);
        Assert.Equal(0, await WithDbAsync(services, db => db.Agents.CountAsync()));
        Assert.Equal(0, await WithDbAsync(services, db => db.RuntimePolicies.CountAsync()));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task An_unknown_mb_policy_name_without_a_policy_is_404_and_stores_nothing(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await database.ServicesAsync();
        var body = TenantBodies.Enroll();
        body["mb_policy_name"] = "no-such-refstate";

        Assert.Equal(404, (await EnrollAsync(services, "agent-1", body)).Status);
        Assert.Equal(0, await WithDbAsync(services, db => db.Agents.CountAsync()));
        Assert.Equal(0, await WithDbAsync(services, db => db.RuntimePolicies.CountAsync()));
        Assert.Equal(0, await WithDbAsync(services, db => db.MeasuredBootPolicies.CountAsync()));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task A_named_policy_that_exists_and_is_sent_again_is_409(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await database.ServicesAsync();
        var first = TenantBodies.Enroll();
        first["runtime_policy_name"] = "shared";
        first["runtime_policy"] = TenantBodies.RuntimePolicyBase64;
        Assert.Null((await EnrollAsync(services, "agent-1", first)).Status);

        var second = TenantBodies.Enroll();
        second["runtime_policy_name"] = "shared";
        second["runtime_policy"] = TenantBodies.RuntimePolicyBase64;
        Assert.Equal(409, (await EnrollAsync(services, "agent-2", second)).Status);

        var byName = TenantBodies.Enroll();
        byName["runtime_policy_name"] = "shared";
        Assert.Null((await EnrollAsync(services, "agent-2", byName)).Status);
        var generators = await WithDbAsync(services, db => db.Agents.Select(a => a.RuntimePolicy!.Generator).ToListAsync());
        Assert.Equal([2, 2], generators);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task An_inline_mb_policy_is_stored_under_the_agent_id(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await database.ServicesAsync();
        var body = TenantBodies.Enroll();
        body["mb_policy"] = TenantBodies.MbPolicyText;

        Assert.Null((await EnrollAsync(services, "agent-1", body)).Status);
        var stored = await WithDbAsync(services, db => db.MeasuredBootPolicies.SingleAsync());
        Assert.Equal("agent-1", stored.Name);
        Assert.Equal(TenantBodies.MbPolicyText, stored.MbPolicy);
    }

    [Theory]
    [InlineData("ek")]
    [InlineData("garbage")]
    [InlineData("truncated")]
    public async Task An_ak_tpm_that_is_not_an_attestation_key_is_400(string kind)
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using var services = await database.ServicesAsync();
        var ak = kind switch
        {
            "ek" => Fixtures.EkRsa,
            "garbage" => "not base64 at all!",
            _ => Convert.ToBase64String(Convert.FromBase64String(Fixtures.AkRsa)[..40]),
        };

        var (status, _) = await EnrollAsync(services, "agent-1", TenantBodies.Enroll(ak));

        Assert.Equal(400, status);
        Assert.Equal(0, await WithDbAsync(services, db => db.Agents.CountAsync()));
    }

    [Fact]
    public async Task An_ecc_attestation_key_is_accepted()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using var services = await database.ServicesAsync();

        Assert.Null((await EnrollAsync(services, "agent-1", TenantBodies.Enroll(Fixtures.AkEcc))).Status);
    }

    [Theory]
    [InlineData("{\"mask\": \"0xZZ\"}")]
    [InlineData("{\"mask\": \"0x1000000\"}")]
    [InlineData("{\"mask\": 5}")]
    [InlineData("{\"24\": [\"00\"], \"mask\": \"0x0\"}")]
    [InlineData("{\"15\": [\"abc\"], \"mask\": \"0x8000\"}")]
    [InlineData("{\"15\": 7, \"mask\": \"0x8000\"}")]
    [InlineData("{\"pcr\": [], \"mask\": \"0x0\"}")]
    [InlineData("[1, 2]")]
    [InlineData("{not json")]
    public async Task A_tpm_policy_with_a_bad_mask_or_pcr_entry_is_400(string tpmPolicy)
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using var services = await database.ServicesAsync();

        var (status, message) = await EnrollAsync(services, "agent-1", TenantBodies.Enroll(tpmPolicy: tpmPolicy));

        Assert.Equal(400, status);
        Assert.Contains("tpm_policy", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tpm_policy_sent_as_an_object_is_stored_as_its_json_text()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using var services = await database.ServicesAsync();
        var body = TenantBodies.Enroll();
        body["tpm_policy"] = JsonNode.Parse(TenantBodies.Pcr23Policy);

        Assert.Null((await EnrollAsync(services, "agent-1", body)).Status);
        var stored = await WithDbAsync(services, db => db.Agents.Select(a => a.TpmPolicy).SingleAsync());
        Assert.Equal(JsonNode.Parse(TenantBodies.Pcr23Policy)!.ToJsonString(), JsonNode.Parse(stored)!.ToJsonString());
    }

    [Fact]
    public async Task The_agent_check_comes_before_runtime_policy_validation()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using var services = await database.ServicesAsync();
        await EnrollAsync(services, "agent-1", TenantBodies.Enroll());
        var body = TenantBodies.Enroll();
        body["runtime_policy"] = Convert.ToBase64String("[\"not a policy object\"]"u8.ToArray());

        Assert.Equal(409, (await EnrollAsync(services, "agent-1", body)).Status);
        Assert.Equal(400, (await EnrollAsync(services, "agent-2", body)).Status);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Concurrent_enrollments_of_one_id_store_one_agent_and_answer_409_to_the_others(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = await database.ServicesAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => EnrollAsync(services, "racer", TenantBodies.Enroll()))));

        Assert.Single(results, r => r.Status is null);
        Assert.All(results.Where(r => r.Status is not null), r => Assert.Equal(409, r.Status));
        Assert.Equal(1, await WithDbAsync(services, db => db.Agents.CountAsync()));
        Assert.Equal(1, await WithDbAsync(services, db => db.RuntimePolicies.CountAsync()));
    }
}
