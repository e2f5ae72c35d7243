using Keylime.Verifier.Monitoring;
using Keylime.Verifier.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Keylime.Verifier.Tests.Monitoring;

/// <summary>
/// spec/verifier.md §9 with the start-up grace (src/Verifier/README.md): silence while no verifier ran
/// is not an agent's fault, so an instance flags an agent silent for quote_interval × 5 (10 s here)
/// only once it has itself been running that long.
/// </summary>
public sealed class TimeoutGraceTests : IAsyncLifetime
{
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestDatabase? _database;
    private VerifierServer? _restarted;
    private PushAgentSim? _agent;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _agent?.Dispose();
        if (_restarted is not null)
        {
            await _restarted.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private Task<VerifierServer> StartAsync(TestDatabase database) =>
        VerifierServer.StartAsync(database, ownsDatabase: false,
            configureServices: services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time)));

    private static async Task<string> StatusAsync(VerifierServer server, PushAgentSim agent)
    {
        await server.Services.GetRequiredService<TimeoutMonitor>().SweepAsync(CancellationToken.None);
        var (_, body) = await Http.GetAsync(server.Admin(), $"/v2.6/agents/{agent.AgentId}");
        return body!["results"]!["attestation_status"]!.GetValue<string>();
    }

    /// <summary>An agent that passes once, then a verifier down time of an hour and a restart on the same database.</summary>
    private async Task<(VerifierServer Restarted, PushAgentSim Agent)> AttestThenRestartAfterAnHourAsync(string provider)
    {
        _database = await TestDatabase.CreateAsync(provider);
        await using (var first = await StartAsync(_database))
        {
            _agent = PushAgentSim.Software(first);
            await _agent.EnrollAsync();
            await _agent.AuthenticateAsync();
            await _agent.VerdictAsync(await _agent.CycleAsync());
        }

        _time.Advance(TimeSpan.FromHours(1));
        _restarted = await StartAsync(_database);
        _agent.UseServer(_restarted);
        return (_restarted, _agent);
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task Silence_while_no_verifier_ran_does_not_time_an_agent_out_at_start_up(string provider)
    {
        var (restarted, agent) = await AttestThenRestartAfterAnHourAsync(provider);

        Assert.Equal("PASS", await StatusAsync(restarted, agent));
        _time.Advance(Threshold - TimeSpan.FromSeconds(1));
        Assert.Equal("PASS", await StatusAsync(restarted, agent));
    }

    [Fact]
    public async Task An_agent_still_silent_a_full_threshold_after_the_start_is_flagged()
    {
        var (restarted, agent) = await AttestThenRestartAfterAnHourAsync(TestDatabase.Sqlite);

        _time.Advance(Threshold);

        Assert.Equal("TIMEOUT", await StatusAsync(restarted, agent));
    }

    [Fact]
    public async Task An_agent_that_attests_within_the_grace_is_not_flagged_when_the_grace_ends()
    {
        var (restarted, agent) = await AttestThenRestartAfterAnHourAsync(TestDatabase.Sqlite);

        _time.Advance(TimeSpan.FromSeconds(5));
        await agent.AuthenticateAsync(); // the token of before the down time has expired
        await agent.VerdictAsync(await agent.CycleAsync());
        _time.Advance(Threshold - TimeSpan.FromSeconds(4)); // the grace is over, the agent's last pass is 6 s old

        Assert.Equal("PASS", await StatusAsync(restarted, agent));
    }
}
