using System.Globalization;
using Keylime.TestSupport;

namespace Keylime.EndToEnd.Support;

public enum StackDatabase
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A verifier (push mode) and a registrar as real processes on free 127.0.0.1 ports, sharing a temp
/// KEYLIME_DIR whose cv_ca the verifier generates (tls_dir = generate; the registrar uses it with
/// tls_dir = default), configured through KEYLIME_* environment variables as an operator would.
/// Agents are added with <see cref="StartAgent"/>; the tenant runs as its own process.
/// Everything is stopped by PID on dispose; a PostgreSQL database made for the stack is dropped.
/// </summary>
public sealed class Stack : IDisposable
{
    private readonly List<Agent> _agents = [];
    private readonly string? _postgresName;

    public Stack(StackDatabase database, double quoteInterval)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("keylime-e2e.").FullName;
        QuoteInterval = quoteInterval;
        CertStore = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "tpm_cert_store")).FullName;
        if (database == StackDatabase.Postgres)
        {
            _postgresName = $"e2e_{Guid.NewGuid():N}";
            (VerifierDatabase, RegistrarDatabase) = (Postgres.Url(_postgresName + "_v"), Postgres.Url(_postgresName + "_r"));
        }
        else
        {
            (VerifierDatabase, RegistrarDatabase) = ("sqlite", "sqlite");
        }

        VerifierPort = FreePort.Next();
        RegistrarPort = FreePort.Next();
        RegistrarTlsPort = FreePort.Next();
        WriteConfigFiles();
        try
        {
            Verifier = StartVerifier();
            Registrar = StartRegistrar();
            Admin = new AdminClient(Directory, VerifierPort);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Directory { get; }

    public double QuoteInterval { get; }

    /// <summary>Where the tenant looks for EK certificate issuers (each swtpm's local CA is copied here).</summary>
    public string CertStore { get; }

    public string VerifierDatabase { get; }

    public string RegistrarDatabase { get; }

    public int VerifierPort { get; }

    public int RegistrarPort { get; }

    public int RegistrarTlsPort { get; }

    public ChildProcess Verifier { get; private set; } = null!;

    public ChildProcess Registrar { get; }

    /// <summary>The verifier's admin API with the cv_ca client certificate (as the tenant calls it).</summary>
    public AdminClient Admin { get; } = null!;

    public Tenant Tenant => new(this);

    /// <summary>Environment every program of the stack shares: only our config files, our KEYLIME_DIR.</summary>
    public Dictionary<string, string> BaseEnvironment() => new()
    {
        ["KEYLIME_DIR"] = Directory,
        ["KEYLIME_VERIFIER_CONFIG"] = Path.Combine(Directory, "verifier.conf"),
        ["KEYLIME_REGISTRAR_CONFIG"] = Path.Combine(Directory, "registrar.conf"),
        ["KEYLIME_TENANT_CONFIG"] = Path.Combine(Directory, "tenant.conf"),
        ["KEYLIME_CA_CONFIG"] = Path.Combine(Directory, "ca.conf"),
    };

    /// <summary>kill -9 the verifier (a crash mid-run), then start it again on the same port, database and cv_ca.</summary>
    public void CrashAndRestartVerifier(TimeSpan downtime)
    {
        Verifier.Kill();
        Verifier.Dispose();
        Thread.Sleep(downtime);
        Verifier = StartVerifier();
    }

    /// <summary>
    /// Starts a push agent (on a fresh manufactured swtpm, or the software TPM) that registers with this
    /// stack: the JIT build, or <paramref name="executable"/> (a native agent binary) when given.
    /// </summary>
    public Agent StartAgent(bool avoidTpm = false, Action<Swtpm>? prepareTpm = null, string? executable = null)
    {
        var agent = Agent.Start(this, avoidTpm, prepareTpm, executable);
        lock (_agents)
        {
            _agents.Add(agent);
        }

        return agent;
    }

    public void Dispose()
    {
        lock (_agents)
        {
            foreach (var agent in _agents)
            {
                agent.Dispose();
            }
        }

        Admin?.Dispose();
        Registrar?.Dispose();
        Verifier?.Dispose();
        if (_postgresName is not null)
        {
            Postgres.Drop(_postgresName + "_v");
            Postgres.Drop(_postgresName + "_r");
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void WriteConfigFiles()
    {
        // Sections only: every option comes from KEYLIME_* variables, as in a container deployment.
        File.WriteAllText(Path.Combine(Directory, "verifier.conf"), "[verifier]\n");
        File.WriteAllText(Path.Combine(Directory, "registrar.conf"), "[registrar]\n");
        File.WriteAllText(Path.Combine(Directory, "ca.conf"), "[ca]\n");
        File.WriteAllText(Path.Combine(Directory, "tenant.conf"), string.Join('\n',
            "[tenant]",
            "verifier_ip = 127.0.0.1",
            $"verifier_port = {VerifierPort}",
            "registrar_ip = 127.0.0.1",
            $"registrar_port = {RegistrarTlsPort}",
            "tls_dir = default",
            $"tpm_cert_store = {CertStore}",
            "require_ek_cert = True",
            "retry_interval = 0.2",
            "exponential_backoff = False",
            "max_retries = 25",
            "request_timeout = 20",
            ""));
    }

    private ChildProcess StartVerifier()
    {
        var env = BaseEnvironment();
        env["KEYLIME_VERIFIER_MODE"] = "push";
        env["KEYLIME_VERIFIER_IP"] = "127.0.0.1";
        env["KEYLIME_VERIFIER_PORT"] = Invariant(VerifierPort);
        env["KEYLIME_VERIFIER_TLS_DIR"] = "generate";
        env["KEYLIME_VERIFIER_DATABASE_URL"] = VerifierDatabase;
        env["KEYLIME_VERIFIER_QUOTE_INTERVAL"] = QuoteInterval.ToString(CultureInfo.InvariantCulture);
        env["KEYLIME_VERIFIER_REGISTRAR_PORT"] = Invariant(RegistrarTlsPort);
        // Every agent of every test connects from 127.0.0.1 and re-authenticates after each 403:
        // Keylime's session rate limits (tested by the verifier's own tests) would throttle the suite.
        env["KEYLIME_VERIFIER_SESSION_CREATE_RATE_LIMIT_PER_IP"] = "100000";
        env["KEYLIME_VERIFIER_SESSION_CREATE_RATE_LIMIT_PER_AGENT"] = "100000";
        var process = ChildProcess.Start("verifier", KeylimeBinaries.Verifier,
            ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Keylime=Information"], env, Directory); // the operator's lines stay
        process.WaitForPort(VerifierPort, TimeSpan.FromSeconds(120));
        return process;
    }

    private ChildProcess StartRegistrar()
    {
        var env = BaseEnvironment();
        env["KEYLIME_REGISTRAR_IP"] = "127.0.0.1";
        env["KEYLIME_REGISTRAR_PORT"] = Invariant(RegistrarPort);
        env["KEYLIME_REGISTRAR_TLS_PORT"] = Invariant(RegistrarTlsPort);
        env["KEYLIME_REGISTRAR_TLS_DIR"] = "default";
        env["KEYLIME_REGISTRAR_DATABASE_URL"] = RegistrarDatabase;
        // Each agent's swtpm has its own local CA, added to the tenant's store after the registrar
        // starts: the registrar leaves EK trust to the tenant here (Keylime's default split).
        env["KEYLIME_TENANT_TPM_CERT_STORE"] = Path.Combine(Directory, "no_registrar_cert_store");
        var process = ChildProcess.Start("registrar", KeylimeBinaries.Registrar, ["--Logging:LogLevel:Default=Warning"], env, Directory);
        process.WaitForPort(RegistrarTlsPort, TimeSpan.FromSeconds(120));
        process.WaitForPort(RegistrarPort, TimeSpan.FromSeconds(30));
        return process;
    }

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
