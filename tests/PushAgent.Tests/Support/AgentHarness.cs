using System.Collections.Concurrent;
using Keylime.PushAgent.Configuration;
using Keylime.PushAgent.StateMachine;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>
/// One agent (real clients, real TLS, the state machine) wired to fake peers, on a
/// fake clock (<see cref="WatchedTime"/>) so waits and backoff happen when the test advances time.
/// </summary>
public sealed class AgentHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    public AgentHarness(AgentSettings settings, RecordedTpm? tpm = null)
    {
        Settings = settings;
        Tpm = tpm ?? new RecordedTpm();
        Machine = AgentComposition.CreateStateMachine(settings, Tpm, Time, Logs);
        Machine.Transitioned += (from, to) => Transitions.Enqueue((from, to));
    }

    public AgentSettings Settings { get; }

    public RecordedTpm Tpm { get; }

    public WatchedTime Time { get; } = new();

    public ListLoggerProvider Logs { get; } = new();

    public AttestationStateMachine Machine { get; }

    public ConcurrentQueue<(AgentState From, AgentState To)> Transitions { get; } = new();

    public void Start() => _run = Task.Run(() => Machine.RunAsync(_stop.Token));

    /// <summary>Settings for an agent whose verifier and registrar are the given peers.</summary>
    public static AgentSettings SettingsFor(Uri verifier, Uri registrar, TestPki pki, string keylimeDir, string? registrarCa = null) => new()
    {
        Uuid = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000",
        VerifierUrl = verifier,
        VerifierCaCertificate = pki.CaFile,
        RegistrarUrl = registrar,
        RegistrarCaCertificate = registrarCa,
        KeylimeDir = keylimeDir,
        AgentDataPath = Path.Combine(keylimeDir, "agent_data.json"),
        ImaLogPath = SharedData.Path("data", "ima", "ascii_runtime_measurements-826-ima-ng-sha1"),
        MeasuredBootLogPath = SharedData.Path("data", "measured-boot", "binary_bios_measurements"),
        AttestationInterval = TimeSpan.FromSeconds(60),
        RegistrarApiVersions = ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"],
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
    }
}
