namespace Keylime.Shared.Configuration;

/// <summary>
/// The push agent's options (spec/push-agent.md §1.3) with rust-keylime's defaults. Keys of the
/// shared agent.conf that only the pull agent uses are tolerated and ignored. Path options keep
/// their keywords; the <c>*File</c> properties apply the §1.4 path rules.
/// </summary>
public sealed record AgentOptions
{
    public string Uuid { get; init; } = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000";
    public string KeylimeDir { get; init; } = KeylimeConfigLocations.DefaultKeylimeDir;
    public string AgentDataPath { get; init; } = "default";
    public string VerifierUrl { get; init; } = "https://localhost:8881";

    /// <summary>
    /// Whether some source gave a non-empty <c>verifier_url</c>. The template ships <c>""</c>, which
    /// rust-keylime silently turns into https://localhost:8881; a caller may prefer to refuse that.
    /// </summary>
    public bool VerifierUrlConfigured { get; init; }
    public string VerifierTlsCaCert { get; init; } = "default";
    public int AttestationIntervalSeconds { get; init; } = 60;
    public long ExponentialBackoffInitialDelayMs { get; init; } = 10000;
    public int ExponentialBackoffMaxRetries { get; init; } = 5;
    public long ExponentialBackoffMaxDelayMs { get; init; } = 300000;
    public string RegistrarIp { get; init; } = "127.0.0.1";
    public int RegistrarPort { get; init; } = 8890;
    public bool RegistrarTlsEnabled { get; init; }
    public int RegistrarTlsPort { get; init; } = 8891;
    public string RegistrarTlsCaCert { get; init; } = "default";

    /// <summary><c>default</c>, <c>latest</c> or a list; see <see cref="RegistrarApiVersionList"/>.</summary>
    public string RegistrarApiVersions { get; init; } = "default";
    public string ContactIp { get; init; } = "127.0.0.1";
    public int ContactPort { get; init; } = 9002;
    public string TpmEncryptionAlg { get; init; } = "rsa";
    public string TpmHashAlg { get; init; } = "sha256";
    public string TpmSigningAlg { get; init; } = "rsassa";
    public string CertificationKeysServerIdentifier { get; init; } = "ak";
    public string UefiLogsEvidenceVersion { get; init; } = "2.1";
    public string ImaMlPath { get; init; } = "default";
    public string MeasuredbootMlPath { get; init; } = "default";

    /// <summary><c>user:group</c>; when set nowhere, <c>keylime:tss</c> for a root process, else empty.</summary>
    public string RunAs { get; init; } = "";
    public bool EnableIakIdevid { get; init; }
    public bool TlsAcceptInvalidCerts { get; init; }
    public bool TlsAcceptInvalidHostnames { get; init; }

    /// <summary>Read but ignored by the push agent (always a transient EK).</summary>
    public string EkHandle { get; init; } = "generate";

    /// <summary>Read but ignored (forced to 3.0).</summary>
    public string ApiVersions { get; init; } = "default";

    /// <summary>Read but not used by the push agent.</summary>
    public string TpmOwnerpassword { get; init; } = "";

    /// <summary>The files read, in order.</summary>
    public IReadOnlyList<string> ConfigFiles { get; init; } = [];

    /// <summary>All registrar API versions Keylime's agent knows, oldest first.</summary>
    public static readonly IReadOnlyList<string> KnownRegistrarApiVersions = ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"];

    /// <summary><c>agent_data.json</c> path (§1.4: default/empty → keylime_dir/agent_data.json; relative → under keylime_dir).</summary>
    public string AgentDataFile => ResolvePath(AgentDataPath, KeylimeDir, "agent_data.json");

    /// <summary>CA file for the verifier's server certificate.</summary>
    public string VerifierCaFile => ResolvePath(VerifierTlsCaCert, KeylimeDir, Path.Combine("cv_ca", "cacert.crt"));

    /// <summary>CA file for the registrar's server certificate.</summary>
    public string RegistrarCaFile => ResolvePath(RegistrarTlsCaCert, KeylimeDir, Path.Combine("cv_ca", "cacert.crt"));

    /// <summary>IMA ascii log (relative paths resolve against /).</summary>
    public string ImaLogFile => ResolvePath(ImaMlPath, "/", "sys/kernel/security/ima/ascii_runtime_measurements");

    /// <summary>UEFI binary event log (relative paths resolve against /).</summary>
    public string MeasuredBootLogFile => ResolvePath(MeasuredbootMlPath, "/", "sys/kernel/security/tpm0/binary_bios_measurements");

    /// <summary><c>default</c> → all known, <c>latest</c> → 2.6, else the listed versions.</summary>
    public IReadOnlyList<string> RegistrarApiVersionList => RegistrarApiVersions.Trim().ToLowerInvariant() switch
    {
        "default" or "" => KnownRegistrarApiVersions,
        "latest" => [KnownRegistrarApiVersions[^1]],
        _ => ConfigValues.List(RegistrarApiVersions) ?? [],
    };

    /// <summary>
    /// Loads agent.conf (+ agent.conf.d, KEYLIME_AGENT_*, KEYLIME_DIR). <paramref name="overrides"/>
    /// (option name → value, e.g. <c>["verifier_url"] = "https://v:8881"</c>) beat every other
    /// source: the agent passes its command-line flags here.
    /// </summary>
    public static AgentOptions Load(KeylimeConfigLocations? locations = null, IReadOnlyDictionary<string, string>? overrides = null)
    {
        locations ??= KeylimeConfigLocations.FromSystem();
        var files = AgentConfigFiles.Load(locations);
        var sources = files.Files.Count > 0 ? string.Join(", ", files.Files) : "built-in default";
        var s = new ConfigSection("agent", (_, key) => files.Raw(key, locations, overrides), sources);
        return Bind(s, locations) with { ConfigFiles = files.Files };
    }

    private static AgentOptions Bind(ConfigSection s, KeylimeConfigLocations locations)
    {
        var d = new AgentOptions();
        return new AgentOptions
        {
            Uuid = s.String("uuid", d.Uuid),
            // KEYLIME_DIR (non-empty) beats every other source of keylime_dir (§1.2 step 4).
            KeylimeDir = locations.Env("KEYLIME_DIR") is { Length: > 0 } dir ? dir : s.String("keylime_dir", d.KeylimeDir),
            AgentDataPath = s.String("agent_data_path", d.AgentDataPath),
            VerifierUrl = NonEmpty(s.String("verifier_url", d.VerifierUrl), d.VerifierUrl),
            VerifierUrlConfigured = s.String("verifier_url", "").Length > 0,
            VerifierTlsCaCert = s.String("verifier_tls_ca_cert", d.VerifierTlsCaCert),
            AttestationIntervalSeconds = s.Int("attestation_interval_seconds", d.AttestationIntervalSeconds, 0),
            ExponentialBackoffInitialDelayMs = s.Long("exponential_backoff_initial_delay", d.ExponentialBackoffInitialDelayMs, 0),
            ExponentialBackoffMaxRetries = s.Int("exponential_backoff_max_retries", d.ExponentialBackoffMaxRetries, 0),
            ExponentialBackoffMaxDelayMs = s.Long("exponential_backoff_max_delay", d.ExponentialBackoffMaxDelayMs, 0),
            RegistrarIp = s.String("registrar_ip", d.RegistrarIp),
            RegistrarPort = s.Port("registrar_port", d.RegistrarPort),
            RegistrarTlsEnabled = s.Bool("registrar_tls_enabled", d.RegistrarTlsEnabled),
            RegistrarTlsPort = s.Port("registrar_tls_port", d.RegistrarTlsPort),
            RegistrarTlsCaCert = s.String("registrar_tls_ca_cert", d.RegistrarTlsCaCert),
            RegistrarApiVersions = s.String("registrar_api_versions", d.RegistrarApiVersions),
            ContactIp = s.String("contact_ip", d.ContactIp),
            ContactPort = s.Port("contact_port", d.ContactPort),
            TpmEncryptionAlg = s.String("tpm_encryption_alg", d.TpmEncryptionAlg).ToLowerInvariant(),
            TpmHashAlg = s.Choice("tpm_hash_alg", d.TpmHashAlg, "sha1", "sha256", "sha384", "sha512", "sm3_256"),
            TpmSigningAlg = s.Choice("tpm_signing_alg", d.TpmSigningAlg, "rsassa", "rsapss", "ecdsa", "ecschnorr"),
            // The shared template writes "" for these two; we read "" as "use the default".
            CertificationKeysServerIdentifier = NonEmpty(s.String("certification_keys_server_identifier", d.CertificationKeysServerIdentifier), d.CertificationKeysServerIdentifier),
            UefiLogsEvidenceVersion = NonEmpty(s.String("uefi_logs_evidence_version", d.UefiLogsEvidenceVersion), d.UefiLogsEvidenceVersion),
            ImaMlPath = s.String("ima_ml_path", d.ImaMlPath),
            MeasuredbootMlPath = s.String("measuredboot_ml_path", d.MeasuredbootMlPath),
            RunAs = s.String("run_as", Environment.IsPrivilegedProcess ? "keylime:tss" : ""),
            EnableIakIdevid = s.Bool("enable_iak_idevid", d.EnableIakIdevid),
            TlsAcceptInvalidCerts = s.Bool("tls_accept_invalid_certs", d.TlsAcceptInvalidCerts),
            TlsAcceptInvalidHostnames = s.Bool("tls_accept_invalid_hostnames", d.TlsAcceptInvalidHostnames),
            EkHandle = s.String("ek_handle", d.EkHandle),
            ApiVersions = s.String("api_versions", d.ApiVersions),
            TpmOwnerpassword = s.String("tpm_ownerpassword", d.TpmOwnerpassword),
        };
    }

    private static string NonEmpty(string value, string fallback) => value.Length > 0 ? value : fallback;

    /// <summary>§1.4: <c>default</c> or empty → built-in name under the base; relative → under the base; absolute → as is.</summary>
    public static string ResolvePath(string value, string baseDir, string defaultName) =>
        ConfigValues.IsDefault(value) ? Path.Combine(baseDir, defaultName) : Path.Combine(baseDir, value);
}
