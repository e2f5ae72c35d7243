using Keylime.TestSupport;

namespace Keylime.EndToEnd.Support;

/// <summary>
/// A push agent as a real process (<c>dotnet keylime_push_model_agent.dll</c>, or a given native
/// executable such as the Native AOT publish) against a
/// <see cref="Stack"/>: its own KEYLIME_DIR, agent.conf, an IMA log file the test controls, and a
/// manufactured swtpm (TCTI=swtpm:…) unless it runs on the software TPM (<c>--avoid-tpm</c>).
/// </summary>
public sealed class Agent : IDisposable
{
    private readonly Stack _stack;
    private readonly bool _avoidTpm;
    private readonly string? _executable;
    private ChildProcess? _process;

    private Agent(Stack stack, string uuid, string directory, Swtpm? tpm, bool avoidTpm, string? executable)
    {
        _stack = stack;
        Uuid = uuid;
        Directory = directory;
        Tpm = tpm;
        _avoidTpm = avoidTpm;
        _executable = executable;
    }

    public string Uuid { get; }

    public string Directory { get; }

    /// <summary>The swtpm the agent uses (null with --avoid-tpm).</summary>
    public Swtpm? Tpm { get; }

    /// <summary>The IMA ascii log the agent reads (<c>ima_ml_path</c>); starts empty.</summary>
    public string ImaLogPath => Path.Combine(Directory, "ascii_runtime_measurements");

    public ChildProcess Process => _process ?? throw new InvalidOperationException("the agent is not running");

    public string Log => _process?.Log ?? "";

    internal static Agent Start(Stack stack, bool avoidTpm, Action<Swtpm>? prepareTpm, string? executable)
    {
        var uuid = Guid.NewGuid().ToString();
        var dir = System.IO.Directory.CreateDirectory(Path.Combine(stack.Directory, "agent-" + uuid[..8])).FullName;
        Swtpm? tpm = null;
        if (!avoidTpm)
        {
            tpm = Swtpm.Start();
            // The tenant checks the EK certificate against tpm_cert_store: trust this swtpm's local CA.
            File.Copy(tpm.LocalCaRootCertificate, Path.Combine(stack.CertStore, $"{uuid[..8]}-root.pem"));
            File.Copy(tpm.LocalCaIssuerCertificate, Path.Combine(stack.CertStore, $"{uuid[..8]}-issuer.pem"));
            prepareTpm?.Invoke(tpm);
        }

        File.WriteAllText(Path.Combine(dir, "ascii_runtime_measurements"), "");
        File.WriteAllText(Path.Combine(dir, "agent.conf"), string.Join('\n',
            "[agent]",
            $"uuid = \"{uuid}\"",
            $"verifier_url = \"https://127.0.0.1:{stack.VerifierPort}\"",
            $"verifier_tls_ca_cert = \"{Path.Combine(stack.Directory, "cv_ca", "cacert.crt")}\"",
            "registrar_ip = \"127.0.0.1\"",
            $"registrar_port = {stack.RegistrarPort}",
            $"ima_ml_path = \"{Path.Combine(dir, "ascii_runtime_measurements")}\"",
            $"measuredboot_ml_path = \"{Path.Combine(dir, "binary_bios_measurements")}\"",
            // Short backoff: the tests wait for enrollment and verifier restarts.
            "exponential_backoff_initial_delay = 500",
            "exponential_backoff_max_delay = 2000",
            "exponential_backoff_max_retries = 1000",
            "attestation_interval_seconds = 1",
            ""));
        var agent = new Agent(stack, uuid, dir, tpm, avoidTpm, executable);
        agent.Run();
        return agent;
    }

    /// <summary>Starts the agent process (again, after <see cref="Kill"/>), keeping its TPM and agent_data.json.</summary>
    public void Run()
    {
        var env = new Dictionary<string, string>
        {
            ["KEYLIME_AGENT_CONFIG"] = Path.Combine(Directory, "agent.conf"),
            ["KEYLIME_DIR"] = Directory,
        };
        if (Tpm is not null)
        {
            env["TCTI"] = Tpm.Tcti;
        }

        _process?.Dispose();
        string[] arguments = _avoidTpm ? ["--avoid-tpm"] : [];
        _process = _executable is null
            ? ChildProcess.Start("agent", KeylimeBinaries.PushAgent, arguments, env, Directory)
            : ChildProcess.StartExecutable("agent", _executable, arguments, env, Directory);
    }

    /// <summary>SIGKILL: the agent stops sending evidence without any goodbye.</summary>
    public void Kill() => _process?.Kill();

    /// <summary>Waits until the registrar lists the agent as registered and activated.</summary>
    public async Task WaitRegisteredAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        TenantResult last;
        do
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"the agent exited:\n{Log}");
            }

            last = await _stack.Tenant.RunAsync("-c", "regstatus", "-u", Uuid);
            if (last.ExitCode == 0)
            {
                return;
            }

            await Task.Delay(300);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"agent {Uuid} did not register: {last}\n{Log}");
    }

    public void Dispose()
    {
        _process?.Dispose();
        Tpm?.Dispose();
    }
}
