using Keylime.Shared.Configuration;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Data;

namespace Keylime.Verifier;

/// <summary>
/// What runs once before the verifier serves (spec/verifier.md §13 "Startup must"): schema
/// migration (<c>auto_migrate_db</c>) and the operational-state reset. The attestation side adds
/// its own recovery here (purging expired sessions, re-queuing evidence, re-arming timeouts).
/// </summary>
public static class VerifierStartup
{
    public static async Task PrepareAsync(IServiceProvider services, VerifierOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        await services.MigrateVerifierDatabaseAsync(options, logger, cancellationToken);
        await using var scope = services.CreateAsyncScope();
        var reset = await scope.ServiceProvider.GetRequiredService<AgentRegistry>().ResetOperationalStatesAfterRestartAsync(cancellationToken);
        if (reset > 0)
        {
            logger.LogInformation("{Count} agents await their next attestation after the restart (operational_state 1)", reset);
        }
    }
}
