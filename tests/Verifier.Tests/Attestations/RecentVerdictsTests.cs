using Keylime.Shared.Ima;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Keylime.Verifier.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Keylime.Verifier.Tests.Attestations;

/// <summary>
/// A verdict this process recorded is answered from memory by a GET of its index: byte for byte what the
/// database answers, dropped when the agent is deleted here, and trusted for at most
/// <see cref="RecentVerdicts.Lifetime"/> against changes made by another instance.
/// </summary>
public abstract class RecentVerdictsTests(ProtocolFixture fixture)
{
    private VerifierServer Server => fixture.Server;

    private RecentVerdicts Recent => Server.Services.GetRequiredService<RecentVerdicts>();

    private async Task<(PushAgentSim Agent, int Index)> VerifiedCycleAsync()
    {
        var agent = PushAgentSim.Software(Server);
        ImaRuntimeIntegrityTests.Measure(agent, "/usr/bin/bash", "bash");
        var policy = RuntimePolicyConverter.FromImaLog(agent.ImaLines[0] + "\n", ImaHashAlgorithm.Sha1, fixture.Time);
        await agent.EnrollAsync(runtimePolicyJson: policy.ToJson());
        await agent.AuthenticateAsync();
        var index = await agent.CycleAsync();
        var verdict = await agent.VerdictAsync(index);
        Assert.True(verdict["evaluation"]!.GetValue<string>() == "pass", verdict.ToJsonString());
        return (agent, index);
    }

    private static async Task<(int Status, string Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_remembered_verdict_is_the_databases_answer_byte_for_byte_for_the_agent_and_for_an_admin()
    {
        var (agent, index) = await VerifiedCycleAsync();
        using var _ = agent;
        Assert.NotNull(Recent.Find(agent.AgentId, index));
        var path = $"{agent.Path}/{index}";
        var fromMemory = await GetAsync(agent.Client, path);
        var fromMemoryAdmin = await GetAsync(Server.Admin(), path);

        await Recent.AgentChangedAsync(agent.AgentId, CancellationToken.None);
        Assert.Null(Recent.Find(agent.AgentId, index));
        var fromDatabase = await GetAsync(agent.Client, path);

        Assert.Equal(200, fromDatabase.Status);
        Assert.Contains("\"certified_entry_count\":1", fromDatabase.Body, StringComparison.Ordinal); // the IMA results stored with the verdict
        Assert.Equal(fromDatabase, fromMemory);
        Assert.Equal(fromDatabase, fromMemoryAdmin);
    }

    [Fact]
    public async Task An_attestation_deleted_by_another_instance_is_answered_from_memory_for_at_most_the_lifetime()
    {
        var (agent, index) = await VerifiedCycleAsync();
        using var _ = agent;
        var path = $"{agent.Path}/{index}";
        // As another verifier instance would: the row goes, this process is not told.
        await Server.WithDbAsync(db => db.Attestations.Where(a => a.AgentId == agent.AgentId).ExecuteDeleteAsync());

        Assert.Equal(200, (await GetAsync(agent.Client, path)).Status);
        fixture.Time.Advance(RecentVerdicts.Lifetime);
        Assert.Equal(404, (await GetAsync(Server.Admin(), path)).Status);
    }

    [Fact]
    public async Task Deleting_the_agent_here_forgets_its_verdict_at_once()
    {
        var (agent, index) = await VerifiedCycleAsync();
        using var _ = agent;

        Assert.Equal(204, (await Http.DeleteAsync(Server.Admin(), $"/v3/agents/{agent.AgentId}")).Status);

        Assert.Null(Recent.Find(agent.AgentId, index));
        Assert.Equal(404, (await GetAsync(Server.Admin(), $"{agent.Path}/{index}")).Status);
    }
}

[Collection("verifier-protocol")]
public sealed class SqliteRecentVerdictsTests(SqliteProtocolFixture fixture) : RecentVerdictsTests(fixture), IClassFixture<SqliteProtocolFixture>;

[Collection("verifier-protocol")]
public sealed class PostgresRecentVerdictsTests(PostgresProtocolFixture fixture) : RecentVerdictsTests(fixture), IClassFixture<PostgresProtocolFixture>;

/// <summary>The memory itself: the latest recorded verdict per agent, by exact index, never an older one over a newer one.</summary>
public sealed class RecentVerdictsMemoryTests
{
    private static Attestation Completed(string agentId, int index, int evidenceChars = 2) =>
        new()
        {
            AgentId = agentId, Index = index, Stage = AttestationStates.VerificationComplete, Evaluation = AttestationStates.Pass,
            EvidenceJson = evidenceChars <= 2 ? "[]" : $"[{{\"data\":\"{new string('x', evidenceChars - 13)}\"}}]",
        };

    [Fact]
    public void An_attestation_with_large_evidence_is_not_kept_and_forgets_the_agents_older_one()
    {
        var recent = new RecentVerdicts(new FakeTimeProvider(DateTimeOffset.UtcNow));
        recent.Remember(Completed("a", 1, RecentVerdicts.MaxEvidenceChars));
        Assert.NotNull(recent.Find("a", 1));

        recent.Remember(Completed("a", 2, RecentVerdicts.MaxEvidenceChars + 1)); // e.g. a first IMA log

        Assert.Null(recent.Find("a", 2));
        Assert.Null(recent.Find("a", 1));
    }

    [Fact]
    public void Expired_entries_are_swept_out_so_a_large_quiet_fleet_holds_no_memory()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var recent = new RecentVerdicts(time);
        for (var i = 0; i < 1000; i++)
        {
            recent.Remember(Completed($"agent-{i}", 0));
        }

        Assert.Equal(1000, recent.Count);
        time.Advance(RecentVerdicts.Lifetime);
        recent.Remember(Completed("active", 7)); // any later verdict sweeps

        Assert.Equal(1, recent.Count);
        Assert.NotNull(recent.Find("active", 7));
    }

    [Fact]
    public async Task Only_the_latest_index_of_each_agent_is_found_until_it_expires_or_the_agent_changes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var recent = new RecentVerdicts(time);
        recent.Remember(Completed("a", 4));
        recent.Remember(Completed("a", 3)); // a late record of an older verdict does not push out the newer one
        recent.Remember(Completed("b", 0));

        Assert.Equal(4, recent.Find("a", 4)!.Index);
        Assert.Null(recent.Find("a", 3));
        Assert.Null(recent.Find("a", 5));
        Assert.Equal(0, recent.Find("b", 0)!.Index);

        await recent.AgentChangedAsync("b", CancellationToken.None);
        Assert.Null(recent.Find("b", 0));

        time.Advance(RecentVerdicts.Lifetime - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(recent.Find("a", 4));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(recent.Find("a", 4));
    }
}
