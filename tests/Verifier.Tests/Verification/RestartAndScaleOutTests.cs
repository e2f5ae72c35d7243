using Keylime.Shared.Configuration;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Monitoring;
using Keylime.Verifier.Tests.Support;
using Keylime.Verifier.Verification;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Keylime.Verifier.Tests.Verification;

/// <summary>
/// Nothing accepted is lost, and several verifiers can share one database (issue 6): evidence accepted
/// by a verifier that stops before verifying is verified by the next start; on one PostgreSQL, a
/// token and an attestation work across instances and the timeout sweep flags an agent once.
/// </summary>
public sealed class RestartAndScaleOutTests
{
    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task Evidence_accepted_before_a_restart_still_gets_its_verdict(string provider)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var database = await TestDatabase.CreateAsync(provider);
        PushAgentSim agent;
        int index;
        // The first instance accepts and stores evidence but its workers read another queue: it stops
        // with the attestation still evaluating_evidence, as if it had crashed after the 202.
        await using (var first = await VerifierServer.StartAsync(database, ownsDatabase: false, configureServices: services =>
                     {
                         services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
                         services.Replace(ServiceDescriptor.Singleton(sp => new VerificationWorkers(new VerificationQueue(sp.GetRequiredService<VerifierOptions>()),
                             sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<EvidenceVerifier>(), sp.GetRequiredService<VerificationRecorder>(),
                             sp.GetRequiredService<RecentVerdicts>(), sp.GetRequiredService<AttestationTiming>(), time, sp.GetRequiredService<ILogger<VerificationWorkers>>())));
                     }))
        {
            agent = PushAgentSim.Software(first);
            await agent.EnrollAsync();
            await agent.AuthenticateAsync();
            index = await agent.CycleAsync();
            var (_, body) = await Http.GetAsync(first.Admin(), $"{agent.Path}/{index}");
            Assert.Equal("evaluating_evidence", body!["data"]!["attributes"]!["stage"]!.GetValue<string>());
        }

        await using var second = await VerifierServer.StartAsync(database, ownsDatabase: false,
            configureServices: services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        agent.UseServer(second);
        Assert.Equal("pass", (await agent.VerdictAsync(index))["evaluation"]!.GetValue<string>());
        agent.Dispose();
    }

    [Fact]
    public async Task Two_verifiers_on_one_PostgreSQL_share_tokens_attestations_and_flag_a_timeout_once()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new LogCapture();
        void Clock(IServiceCollection services)
        {
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
            services.AddSingleton<ILoggerProvider>(logs);
        }

        await using var a = await VerifierServer.StartAsync(TestDatabase.Postgres, configureServices: Clock);
        await using var b = await VerifierServer.StartAsync(a.Database, ownsDatabase: false, configureServices: Clock);
        using var agent = PushAgentSim.Software(a);
        await agent.EnrollAsync();
        await agent.AuthenticateAsync(); // token issued by A

        agent.UseServer(b);
        var (status, created, response) = await agent.CreateAttestationAsync(); // accepted by B
        Assert.Equal(201, status);
        agent.UseServer(a);
        Assert.Equal(202, (await agent.SubmitAsync(response.Headers.Location!.OriginalString, agent.Evidence(created!))).Status); // evidence on A
        Assert.Equal("pass", (await agent.VerdictAsync(0))["evaluation"]!.GetValue<string>());

        time.Advance(TimeSpan.FromSeconds(11));
        await Task.WhenAll(
            a.Services.GetRequiredService<TimeoutMonitor>().SweepAsync(CancellationToken.None),
            b.Services.GetRequiredService<TimeoutMonitor>().SweepAsync(CancellationToken.None));
        await Task.Delay(500); // the background sweeps the advance triggered on both instances finish too
        Assert.Single(logs.Lines, line => line.StartsWith($"Agent {agent.AgentId} timed out", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.StartsWith($"Evidence received for agent {agent.AgentId} attestation 0", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.StartsWith($"Verification of agent {agent.AgentId} attestation 0 complete: pass", StringComparison.Ordinal));
        var (_, statusBody) = await Http.GetAsync(b.Admin(), $"/v2.6/agents/{agent.AgentId}");
        Assert.Equal("TIMEOUT", statusBody!["results"]!["attestation_status"]!.GetValue<string>());
    }
}
