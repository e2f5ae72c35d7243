using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Keylime.Verifier.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keylime.Verifier.Tests.Attestations;

/// <summary>
/// On PostgreSQL a verdict recorded here carries the agent snapshot to the agent's next phase 1, which then
/// reads nothing: one guarded INSERT. Whatever changed behind the verifier's back — the agent row, a policy
/// row, the latest attestation — makes that INSERT refuse, and phase 1 decides again on a fresh read.
/// </summary>
[Collection("verifier-protocol")]
public sealed class CarriedSnapshotsTests(PostgresProtocolFixture fixture) : IClassFixture<PostgresProtocolFixture>
{
    private VerifierServer Server => fixture.Server;

    private CarriedSnapshots Carried => Server.Services.GetRequiredService<CarriedSnapshots>();

    private long PipelineRequests => Server.Services.GetRequiredService<SqlPipeline>().Sent.Requests;

    /// <summary>An agent with one verified cycle whose snapshot is carried, past its quote interval.</summary>
    private async Task<PushAgentSim> VerifiedAgentAsync()
    {
        var agent = PushAgentSim.Software(Server);
        await agent.EnrollAsync();
        await agent.AuthenticateAsync();
        await RecordedAsync(agent, await agent.CycleAsync());
        Assert.True(Carried.Holds(agent.AgentId));
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        return agent;
    }

    /// <summary>
    /// Waits until the recorder is done with the verdict (it remembers the verdict after carrying the snapshot;
    /// the database shows it a moment earlier) and checks that it passed.
    /// </summary>
    private Task RecordedAsync(PushAgentSim agent, int index) => RecordedAsync(Server, agent, index);

    internal static async Task RecordedAsync(VerifierServer server, PushAgentSim agent, int index)
    {
        Assert.Equal("pass", (await agent.VerdictAsync(index))["evaluation"]!.GetValue<string>());
        var recent = server.Services.GetRequiredService<RecentVerdicts>();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); recent.Find(agent.AgentId, index) is null; await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < deadline, "the verdict was not remembered");
        }
    }

    private Task<int> ExecuteAsync(string sql, params object[] args) =>
        Server.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(sql, args));

    [Fact]
    public async Task After_a_verdict_recorded_here_the_next_phase_1_is_one_statement_and_the_cycle_still_passes()
    {
        using var agent = await VerifiedAgentAsync();
        var before = PipelineRequests;

        var (status, created, response) = await agent.CreateAttestationAsync();

        Assert.Equal(201, status);
        Assert.Equal(before + 1, PipelineRequests);
        Assert.False(Carried.Holds(agent.AgentId)); // taken once
        var (patched, _, _) = await agent.SubmitAsync(response.Headers.Location!.OriginalString, agent.Evidence(created!));
        Assert.Equal(202, patched);
        await RecordedAsync(agent, 1);
        Assert.True(Carried.Holds(agent.AgentId)); // carried on from the carried one
    }

    [Fact]
    public async Task An_agent_row_changed_behind_its_back_is_what_the_next_phase_1_decides_on()
    {
        using var agent = await VerifiedAgentAsync();
        // As the timeout sweep of another instance would.
        await ExecuteAsync("UPDATE agents SET accept_attestations = false WHERE agent_id = {0}", agent.AgentId);

        var (status, body, _) = await agent.CreateAttestationAsync();

        Assert.Equal(403, status);
        Assert.Contains("agent_attestations_disabled", body!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_row_changed_behind_its_back_makes_the_next_phase_1_read_the_snapshot_again()
    {
        using var agent = await VerifiedAgentAsync();
        // A new row version and nothing else: the guard must notice the version, not the content.
        await ExecuteAsync("UPDATE runtime_policies SET name = name WHERE id = (SELECT runtime_policy_id FROM agents WHERE agent_id = {0})", agent.AgentId);
        var before = PipelineRequests;

        var (status, _, _) = await agent.CreateAttestationAsync();

        Assert.Equal(201, status);
        Assert.Equal(before + 3, PipelineRequests); // the refused guarded INSERT, the snapshot, the INSERT
    }

    [Fact]
    public async Task An_attestation_created_by_another_instance_is_what_the_next_phase_1_decides_on()
    {
        using var agent = await VerifiedAgentAsync();
        var now = fixture.Time.GetUtcNow().UtcDateTime;
        // As another instance would after its own phase 1: attestation 1, awaiting evidence.
        await Server.WithDbAsync(db =>
        {
            db.Attestations.Add(new Attestation
            {
                AgentId = agent.AgentId, Index = 1, Stage = AttestationStates.AwaitingEvidence, Evaluation = AttestationStates.Pending,
                BootTime = now, CapabilitiesReceivedAt = now, ChallengesExpireAt = now.AddMinutes(1),
            });
            return db.SaveChangesAsync();
        });

        var (status, created, _) = await agent.CreateAttestationAsync();

        // The full path's decision on the fresh snapshot: attestation 2 (on the carried one it would have been
        // attestation 1 again, refused as a concurrent creation).
        Assert.Equal(201, status);
        Assert.Equal("2", created!["data"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_the_agent_here_drops_what_is_carried()
    {
        using var agent = await VerifiedAgentAsync();

        Assert.Equal(204, (await Http.DeleteAsync(Server.Admin(), $"/v3/agents/{agent.AgentId}")).Status);

        Assert.False(Carried.Holds(agent.AgentId));
    }

    [Fact]
    public async Task A_verdict_that_extends_the_tokens_carries_nothing()
    {
        using var agent = await VerifiedAgentAsync();
        fixture.Time.Advance(TimeSpan.FromSeconds((Server.Options.SessionLifetime / 2) + 1)); // the token is past half its lifetime
        await fixture.Monitor.SweepAsync(CancellationToken.None); // that long a silence times the agent out: an admin reactivates it
        Assert.Equal(200, (await Http.SendAsync(Server.Admin(), HttpMethod.Put, $"/v2.6/agents/{agent.AgentId}/reactivate")).Status);

        await RecordedAsync(agent, await agent.CycleAsync());

        Assert.False(Carried.Holds(agent.AgentId));
    }

    [Fact]
    public async Task An_agent_row_changed_while_its_attestation_is_verified_is_not_carried_past_the_verdict()
    {
        using var agent = await VerifiedAgentAsync();
        var (status, created, response) = await agent.CreateAttestationAsync();
        Assert.Equal(201, status);
        // Another writer between phase 1 and the verdict: the snapshot the verification used is no longer the row.
        await ExecuteAsync("UPDATE agents SET verifier_id = verifier_id WHERE agent_id = {0}", agent.AgentId);
        Assert.Equal(202, (await agent.SubmitAsync(response.Headers.Location!.OriginalString, agent.Evidence(created!))).Status);

        await RecordedAsync(agent, 1);

        Assert.False(Carried.Holds(agent.AgentId));
    }
}

/// <summary>SQLite has no row versions to guard with: each phase 1 reads the snapshot (in process), nothing is carried.</summary>
[Collection("verifier-protocol")]
public sealed class SqliteCarriedSnapshotsTests(SqliteProtocolFixture fixture) : IClassFixture<SqliteProtocolFixture>
{
    [Fact]
    public async Task On_SQLite_a_verdict_carries_nothing_and_the_next_cycle_passes()
    {
        using var agent = PushAgentSim.Software(fixture.Server);
        await agent.EnrollAsync();
        await agent.AuthenticateAsync();
        for (var cycle = 0; cycle < 2; cycle++)
        {
            await CarriedSnapshotsTests.RecordedAsync(fixture.Server, agent, await agent.CycleAsync());
            Assert.False(fixture.Server.Services.GetRequiredService<CarriedSnapshots>().Holds(agent.AgentId));
            fixture.Time.Advance(TimeSpan.FromSeconds(2));
        }
    }
}
