using Keylime.Verifier.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Keylime.Verifier.Tests.Support;

/// <summary>
/// One real verifier (HTTPS, real database) per test class whose clock is a <see cref="FakeTimeProvider"/>:
/// challenge and token expiry, the quote_interval gate and the timeout sweep move only when a test
/// advances time, so no test sleeps.
/// </summary>
public abstract class ProtocolFixture(string provider) : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public VerifierServer Server { get; private set; } = null!;

    public TimeoutMonitor Monitor => Server.Services.GetRequiredService<TimeoutMonitor>();

    public async Task InitializeAsync() =>
        Server = await VerifierServer.StartAsync(provider, configureServices: services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time)));

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class SqliteProtocolFixture() : ProtocolFixture(TestDatabase.Sqlite);

public sealed class PostgresProtocolFixture() : ProtocolFixture(TestDatabase.Postgres);
