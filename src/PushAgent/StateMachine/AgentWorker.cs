using Keylime.PushAgent.Clients;
using Keylime.PushAgent.Configuration;
using Keylime.PushAgent.Evidence;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keylime.PushAgent.StateMachine;

/// <summary>
/// The hosted service: opens the TPM, wires clients and the state machine, and runs it until the
/// host stops (SIGTERM under systemd). A TPM that cannot be opened stops the host with exit code 1.
/// </summary>
public sealed class AgentWorker : BackgroundService
{
    private readonly AgentSettings _settings;
    private readonly ITpmProvider _tpmProvider;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;

    public AgentWorker(AgentSettings settings, ITpmProvider tpmProvider, TimeProvider time, ILoggerFactory loggers, IHostApplicationLifetime lifetime)
    {
        _settings = settings;
        _tpmProvider = tpmProvider;
        _time = time;
        _loggers = loggers;
        _lifetime = lifetime;
        _logger = loggers.CreateLogger("Keylime.PushAgent");
    }

    /// <summary>The running state machine, once started.</summary>
    public AttestationStateMachine? Machine { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IAgentTpm tpm;
        try
        {
            tpm = _tpmProvider.Open(_settings);
        }
        catch (Exception e)
        {
            _logger.LogCritical("Cannot open the TPM: {Reason}", e.Message);
            Environment.ExitCode = 1;
            _lifetime.StopApplication();
            return;
        }

        Machine = AgentComposition.CreateStateMachine(_settings, tpm, _time, _loggers);
        await Machine.RunAsync(stoppingToken);
    }
}
