using Keylime.Verifier.Sessions;
using Keylime.Verifier.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Keylime.Verifier.Tests.Identity;

/// <summary>
/// The in-process cache of validated tokens never outlives a revocation made through the same
/// process, and one made through another instance on the same database after <see cref="TokenCache.Lifetime"/>.
/// </summary>
public sealed class TokenCacheTests
{
    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task A_token_replaced_by_a_new_PoP_session_is_refused_with_401_at_once(string provider)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await VerifierServer.StartAsync(provider,
            configureServices: services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        using var agent = PushAgentSim.Software(server);
        await agent.EnrollAsync();
        await agent.AuthenticateAsync();
        var old = agent.Token!;
        Assert.Equal(201, (await agent.CreateAttestationAsync()).Status); // the token is now cached

        await agent.AuthenticateAsync();
        var (status, _, _) = await PushAgentSim.SendFullAsync(server.Bearer(old), HttpMethod.Get, agent.Path, null);
        Assert.Equal(401, status);
        Assert.Equal(200, (await PushAgentSim.SendFullAsync(agent.Client, HttpMethod.Get, agent.Path, null)).Status);
    }

    [Fact]
    public async Task A_token_revoked_through_another_instance_is_refused_once_the_cache_lifetime_has_passed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        void Clock(IServiceCollection services) => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
        await using var a = await VerifierServer.StartAsync(TestDatabase.Postgres, configureServices: Clock);
        await using var b = await VerifierServer.StartAsync(a.Database, ownsDatabase: false, configureServices: Clock);
        using var agent = PushAgentSim.Software(a);
        await agent.EnrollAsync();
        await agent.AuthenticateAsync();
        agent.UseServer(b);
        Assert.Equal(200, (await PushAgentSim.SendFullAsync(agent.Client, HttpMethod.Get, agent.Path, null)).Status); // cached by B

        Assert.Equal(200, (await Http.DeleteAsync(a.Admin(), $"/v2.6/agents/{agent.AgentId}")).Status);
        time.Advance(TokenCache.Lifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await PushAgentSim.SendFullAsync(agent.Client, HttpMethod.Get, agent.Path, null)).Status);
    }
}
