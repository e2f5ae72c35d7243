namespace Keylime.PushAgent.Configuration;

/// <summary>
/// The agent's effective settings after agent.conf, agent.conf.d, KEYLIME_AGENT_*, KEYLIME_DIR and
/// the command line (spec/push-agent.md §1). Every path is absolute, every URL parsed, every
/// choice validated: nothing downstream reads configuration again.
/// </summary>
public sealed record AgentSettings
{
    /// <summary>The <c>uuid</c> option as configured: a normalised id or the keyword <c>hash_ek</c>.</summary>
    public required string Uuid { get; init; }

    /// <summary><c>--agent-identifier</c>: the id towards the verifier when it differs from the registered one.</summary>
    public string? VerifierAgentId { get; init; }

    public required Uri VerifierUrl { get; init; }

    /// <summary>CA file the verifier's certificate must chain to; null with <c>--insecure</c> or plain HTTP.</summary>
    public string? VerifierCaCertificate { get; init; }

    /// <summary><c>--insecure</c>: plain-HTTP verifier allowed and its certificate not checked. Tests only.</summary>
    public bool Insecure { get; init; }

    /// <summary><c>--avoid-tpm</c>: a software TPM instead of a real one. Tests only.</summary>
    public bool AvoidTpm { get; init; }

    /// <summary>Path segment of the verifier API, e.g. <c>v3.0</c>.</summary>
    public string ApiVersion { get; init; } = "v3.0";

    /// <summary>Per-attempt HTTP timeout (<c>--timeout</c>, milliseconds on the command line).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMilliseconds(5000);

    public TimeSpan AttestationInterval { get; init; } = TimeSpan.FromSeconds(60);

    public BackoffSettings Backoff { get; init; } = new();

    public required Uri RegistrarUrl { get; init; }

    /// <summary>CA file of the registrar's certificate when the registrar URL is HTTPS.</summary>
    public string? RegistrarCaCertificate { get; init; }

    public IReadOnlyList<string> RegistrarApiVersions { get; init; } = DefaultRegistrarApiVersions;

    public string ContactIp { get; init; } = "127.0.0.1";

    public int ContactPort { get; init; } = 9002;

    public required string KeylimeDir { get; init; }

    public required string AgentDataPath { get; init; }

    public string TpmEncryptionAlg { get; init; } = "rsa";

    public string TpmHashAlg { get; init; } = "sha256";

    public string TpmSigningAlg { get; init; } = "rsassa";

    /// <summary>TCTI from agent.conf; the <c>TCTI</c> environment variable wins over it.</summary>
    public string? Tcti { get; init; }

    public string CertificationKeysServerIdentifier { get; init; } = "ak";

    public string UefiLogsEvidenceVersion { get; init; } = "2.1";

    public string ImaLogPath { get; init; } = DefaultImaLogPath;

    public string MeasuredBootLogPath { get; init; } = DefaultMeasuredBootLogPath;

    /// <summary>Skip the verifier certificate's host-name check (<c>tls_accept_invalid_hostnames</c>).</summary>
    public bool AcceptInvalidHostnames { get; init; }

    public const string DefaultImaLogPath = "/sys/kernel/security/ima/ascii_runtime_measurements";
    public const string DefaultMeasuredBootLogPath = "/sys/kernel/security/tpm0/binary_bios_measurements";
    public static readonly IReadOnlyList<string> DefaultRegistrarApiVersions = ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"];

    /// <summary>The id the agent registers with: the configured uuid (<c>hash_ek</c> is resolved later from the EK).</summary>
    public bool UuidFromEk => Uuid == "hash_ek";
}

/// <summary>
/// Per-request retry settings (<c>exponential_backoff_*</c>): delay before retry n is
/// min(initial × 2ⁿ, max), at most <see cref="MaxRetries"/> retries.
/// </summary>
public sealed record BackoffSettings(
    TimeSpan InitialDelay,
    int MaxRetries,
    TimeSpan MaxDelay)
{
    public BackoffSettings()
        : this(TimeSpan.FromMilliseconds(10000), 5, TimeSpan.FromMilliseconds(300000))
    {
    }
}
