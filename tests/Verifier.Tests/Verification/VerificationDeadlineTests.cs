using Keylime.Shared.Configuration;
using Keylime.Verifier.Tests.Support;
using Keylime.Verifier.Verification;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Keylime.Verifier.Tests.Verification;

/// <summary>
/// <c>verification_timeout</c> (issue 6, spec §7.5): while a verification is within its deadline the next
/// POST is 503 with Retry-After; past it the verification is abandoned and recorded as a failure
/// "verification timed out". The verification is held open by the test; the clock is fake.
/// </summary>
public sealed class VerificationDeadlineTests
{
    /// <summary>Verifies normally, except that the first <see cref="Held"/> verifications wait until the test lets them go.</summary>
    private sealed class HeldVerifier(VerifierOptions options, RuntimePolicyCache policies) : EvidenceVerifier(options, policies)
    {
        private int _started;

        public int Held { get; set; } = int.MaxValue;

        public SemaphoreSlim Entered { get; } = new(0);

        public ManualResetEventSlim Release { get; } = new(false);

        public override VerificationOutcome Verify(VerificationInput input)
        {
            if (Interlocked.Increment(ref _started) <= Held)
            {
                Entered.Release();
                Release.Wait(TimeSpan.FromSeconds(60));
            }

            return base.Verify(input);
        }
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task A_verification_in_progress_makes_the_next_POST_503_and_one_past_its_deadline_fails_as_timed_out(string provider)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        HeldVerifier? held = null;
        await using var server = await VerifierServer.StartAsync(provider, configureServices: services =>
        {
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
            services.Replace(ServiceDescriptor.Singleton<EvidenceVerifier>(sp =>
                held = new HeldVerifier(sp.GetRequiredService<VerifierOptions>(), sp.GetRequiredService<RuntimePolicyCache>())));
        });
        using var agent = PushAgentSim.Software(server);
        await agent.EnrollAsync();
        await agent.AuthenticateAsync();
        var index = await agent.CycleAsync();
        var verifier = held ?? throw new InvalidOperationException("the verifier was not resolved");
        try
        {
            Assert.True(await verifier.Entered.WaitAsync(TimeSpan.FromSeconds(30)), "the verification did not start");
            time.Advance(TimeSpan.FromSeconds(server.Options.QuoteInterval)); // not premature any more, but still verifying

            var (status, body, response) = await agent.CreateAttestationAsync();
            Assert.Equal(503, status);
            Assert.Equal("verification_in_progress", body!["errors"]![0]!["code"]!.GetValue<string>());
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");

            time.Advance(TimeSpan.FromSeconds(3 * server.Options.QuoteInterval)); // verification_timeout 0 = 3 × quote_interval
            var verdict = await agent.VerdictAsync(index);
            Assert.Equal(("fail", "verification timed out"),
                (verdict["evaluation"]!.GetValue<string>(), verdict["failure_detail"]!.GetValue<string>()));
        }
        finally
        {
            verifier.Release.Set();
        }

        time.Advance(TimeSpan.FromSeconds(server.Options.QuoteInterval));
        Assert.Equal(201, (await agent.CreateAttestationAsync()).Status);
    }

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task A_verification_stuck_past_its_deadline_does_not_take_its_worker_with_it(string provider)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        HeldVerifier? held = null;
        await using var server = await VerifierServer.StartAsync(provider, overrides: new Dictionary<string, string> { ["KEYLIME_VERIFIER_NUM_WORKERS"] = "1" },
            configureServices: services =>
            {
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
                services.Replace(ServiceDescriptor.Singleton<EvidenceVerifier>(sp =>
                    held = new HeldVerifier(sp.GetRequiredService<VerifierOptions>(), sp.GetRequiredService<RuntimePolicyCache>()) { Held = 1 }));
            });
        using var agent = PushAgentSim.Software(server);
        await agent.EnrollAsync();
        await agent.AuthenticateAsync();
        var stuck = await agent.CycleAsync();
        var verifier = held ?? throw new InvalidOperationException("the verifier was not resolved");
        try
        {
            Assert.True(await verifier.Entered.WaitAsync(TimeSpan.FromSeconds(30)), "the verification did not start");
            time.Advance(TimeSpan.FromSeconds(4 * server.Options.QuoteInterval)); // past verification_timeout (3 × quote_interval)
            Assert.Equal("verification timed out", (await agent.VerdictAsync(stuck))["failure_detail"]!.GetValue<string>());

            // The stuck checks still hold their thread, and num_workers is 1: the next attestation is verified all the same.
            var next = await agent.CycleAsync();
            var verdict = await agent.VerdictAsync(next);
            Assert.True(verdict["evaluation"]!.GetValue<string>() == "pass", verdict.ToJsonString());
        }
        finally
        {
            verifier.Release.Set();
        }
    }
}
