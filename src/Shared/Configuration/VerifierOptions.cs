using System.Text.Json;

namespace Keylime.Shared.Configuration;

/// <summary>Verifier operating mode (spec/verifier.md §10.2 <c>mode</c>).</summary>
public enum VerifierMode
{
    Pull,
    Push,
}

/// <summary>One <c>severity_policy</c> rule: events whose id matches the regex get the label.</summary>
public sealed record SeverityRule(string EventId, string SeverityLabel);

/// <summary>
/// Every option of <c>verifier.conf</c> (<c>[verifier]</c> and <c>[revocations]</c>), with the
/// shipped template 2.6 values as defaults (spec/verifier.md §10.2). Path-like options keep
/// Keylime's keywords (<c>default</c>, <c>generate</c>); <see cref="Security"/> and
/// <see cref="Storage"/> resolve them.
/// </summary>
public sealed record VerifierOptions
{
    public string Version { get; init; } = "2.6";
    public VerifierMode Mode { get; init; } = VerifierMode.Pull;
    public string Uuid { get; init; } = "default";
    public string Ip { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8881;
    public string RegistrarIp { get; init; } = "127.0.0.1";
    public int RegistrarPort { get; init; } = 8891;
    public bool EnableAgentMtls { get; init; } = true;

    // TLS (server side; resolved by Keylime.Shared.Security.TlsMaterial)
    public string TlsDir { get; init; } = "generate";
    public string ServerKey { get; init; } = "default";
    public string ServerKeyPassword { get; init; } = "";
    public string ServerCert { get; init; } = "default";
    public IReadOnlyList<string> CertSubjectAlternativeNames { get; init; } = [];
    public IReadOnlyList<string> TrustedClientCa { get; init; } = ["default"];

    // TLS (outbound client identity; pull mode only)
    public string ClientKey { get; init; } = "default";
    public string ClientKeyPassword { get; init; } = "";
    public string ClientCert { get; init; } = "default";
    public IReadOnlyList<string> TrustedServerCa { get; init; } = ["default"];

    public string AuthorizationProvider { get; init; } = "simple";

    // Database (resolved by Keylime.Shared.Storage.DatabaseUrl)
    public string DatabaseUrl { get; init; } = "sqlite";
    public int DatabasePoolSize { get; init; } = 5;
    public int DatabaseMaxOverflow { get; init; } = 10;
    public bool AutoMigrateDb { get; init; } = true;

    public int NumWorkers { get; init; }
    public int MaxWorkers { get; init; } = 16;

    // Pull-mode retry behaviour
    public bool ExponentialBackoff { get; init; } = true;
    public double RetryInterval { get; init; } = 2;
    public int MaxRetries { get; init; } = 5;

    /// <summary>Seconds between attestations; may be fractional in the file, push paths round it.</summary>
    public double QuoteInterval { get; init; } = 2;
    public long MaxUploadSize { get; init; } = 104857600;
    public double RequestTimeout { get; init; } = 60.0;

    public string MeasuredBootPolicyName { get; init; } = "accept-all";
    public IReadOnlyList<string> MeasuredBootImports { get; init; } = [];
    /// <summary><c>once</c> or <c>always</c>.</summary>
    public string MeasuredBootEvaluate { get; init; } = "once";

    public IReadOnlyList<string> SeverityLabels { get; init; } =
        ["info", "notice", "warning", "error", "critical", "alert", "emergency"];
    public IReadOnlyList<SeverityRule> SeverityPolicy { get; init; } = [new(".*", "emergency")];
    public bool IgnoreTomtouErrors { get; init; }
    public bool RequireAllowListSignatures { get; init; }

    // Durable attestation (not wired into the push path)
    public DurableAttestationOptions DurableAttestation { get; init; } = new();

    // Push mode (spec/verifier.md §6, §7)
    public int ChallengeLifetime { get; init; } = 1800;
    public int VerificationTimeout { get; init; }
    /// <summary>Session challenge validity; absent from the template, Keylime falls back to 60.</summary>
    public int NonceLifetime { get; init; } = 60;
    public int SessionLifetime { get; init; } = 180;
    public bool ExtendTokenOnAttestation { get; init; } = true;
    public bool AutoRecoverAttestationFailures { get; init; }
    public int SessionCreateRateLimitPerIp { get; init; } = 50;
    public int SessionCreateRateLimitWindowIp { get; init; } = 60;
    public int SessionCreateRateLimitPerAgent { get; init; } = 15;
    public int SessionCreateRateLimitWindowAgent { get; init; } = 60;
    public int ShutdownDrainTimeout { get; init; } = 10;

    // [revocations] — read for completeness; push verification sends no notifications.
    public IReadOnlyList<string> EnabledRevocationNotifications { get; init; } = ["agent"];
    public string ZmqIp { get; init; } = "127.0.0.1";
    public int ZmqPort { get; init; } = 8992;
    public string WebhookUrl { get; init; } = "";

    /// <summary>Keylime's work directory (<c>KEYLIME_DIR</c>, default /var/lib/keylime).</summary>
    public string KeylimeDir { get; init; } = KeylimeConfigLocations.DefaultKeylimeDir;

    /// <summary>The files the options were read from (for the start-up log).</summary>
    public IReadOnlyList<string> ConfigFiles { get; init; } = [];

    /// <summary>Loads verifier.conf with Keylime's precedence and binds it.</summary>
    public static VerifierOptions Load(KeylimeConfigLocations? locations = null) =>
        From(KeylimeConfig.Load("verifier", locations));

    /// <summary>Binds an already loaded configuration; throws <see cref="KeylimeConfigException"/> on an invalid value.</summary>
    public static VerifierOptions From(KeylimeConfig config)
    {
        var s = config.Section("verifier");
        var d = new VerifierOptions();
        var (poolSize, overflow) = CommonOptions.Pool(s, d.DatabasePoolSize, d.DatabaseMaxOverflow);
        return ReadPushOptions(s, d) with
        {
            Version = s.String("version", d.Version),
            Mode = ReadMode(s),
            Uuid = s.String("uuid", d.Uuid),
            Ip = s.String("ip", d.Ip),
            Port = s.Port("port", d.Port),
            RegistrarIp = s.String("registrar_ip", d.RegistrarIp),
            RegistrarPort = s.Port("registrar_port", d.RegistrarPort),
            EnableAgentMtls = s.Bool("enable_agent_mtls", d.EnableAgentMtls),
            TlsDir = s.String("tls_dir", d.TlsDir),
            ServerKey = s.String("server_key", d.ServerKey),
            ServerKeyPassword = s.String("server_key_password", d.ServerKeyPassword),
            ServerCert = s.String("server_cert", d.ServerCert),
            CertSubjectAlternativeNames = s.List("cert_subject_alternative_names", d.CertSubjectAlternativeNames),
            TrustedClientCa = s.List("trusted_client_ca", d.TrustedClientCa),
            ClientKey = s.String("client_key", d.ClientKey),
            ClientKeyPassword = s.String("client_key_password", d.ClientKeyPassword),
            ClientCert = s.String("client_cert", d.ClientCert),
            TrustedServerCa = s.List("trusted_server_ca", d.TrustedServerCa),
            AuthorizationProvider = s.String("authorization_provider", d.AuthorizationProvider),
            DatabaseUrl = s.String("database_url", d.DatabaseUrl),
            DatabasePoolSize = poolSize,
            DatabaseMaxOverflow = overflow,
            AutoMigrateDb = s.Bool("auto_migrate_db", d.AutoMigrateDb),
            NumWorkers = s.Int("num_workers", d.NumWorkers, 0),
            MaxWorkers = s.Int("max_workers", d.MaxWorkers, 0),
            ExponentialBackoff = s.Bool("exponential_backoff", d.ExponentialBackoff),
            RetryInterval = s.Double("retry_interval", d.RetryInterval, 0),
            MaxRetries = s.Int("max_retries", d.MaxRetries, 0),
            QuoteInterval = s.Double("quote_interval", d.QuoteInterval, 0),
            MaxUploadSize = s.Long("max_upload_size", d.MaxUploadSize, 1),
            RequestTimeout = s.Double("request_timeout", d.RequestTimeout, 0),
            MeasuredBootPolicyName = s.String("measured_boot_policy_name", d.MeasuredBootPolicyName),
            MeasuredBootImports = s.List("measured_boot_imports", d.MeasuredBootImports),
            MeasuredBootEvaluate = s.Choice("measured_boot_evaluate", d.MeasuredBootEvaluate, "once", "always"),
            SeverityLabels = s.List("severity_labels", d.SeverityLabels),
            SeverityPolicy = ReadSeverityPolicy(s),
            IgnoreTomtouErrors = s.Bool("ignore_tomtou_errors", d.IgnoreTomtouErrors),
            RequireAllowListSignatures = s.Bool("require_allow_list_signatures", d.RequireAllowListSignatures),
            DurableAttestation = DurableAttestationOptions.Read(s, d.DurableAttestation),
            KeylimeDir = config.KeylimeDir,
            ConfigFiles = config.Files,
        };
    }

    private static VerifierOptions ReadPushOptions(ConfigSection s, VerifierOptions d)
    {
        var r = s.Sibling("revocations");
        return d with
        {
            ChallengeLifetime = s.Int("challenge_lifetime", d.ChallengeLifetime, 0),
            VerificationTimeout = s.Int("verification_timeout", d.VerificationTimeout, 0),
            NonceLifetime = s.Int("nonce_lifetime", d.NonceLifetime, 0),
            SessionLifetime = s.Int("session_lifetime", d.SessionLifetime, 0),
            ExtendTokenOnAttestation = s.Bool("extend_token_on_attestation", d.ExtendTokenOnAttestation),
            AutoRecoverAttestationFailures = s.Bool("auto_recover_attestation_failures", d.AutoRecoverAttestationFailures),
            SessionCreateRateLimitPerIp = s.Int("session_create_rate_limit_per_ip", d.SessionCreateRateLimitPerIp, 0),
            SessionCreateRateLimitWindowIp = s.Int("session_create_rate_limit_window_ip", d.SessionCreateRateLimitWindowIp, 0),
            SessionCreateRateLimitPerAgent = s.Int("session_create_rate_limit_per_agent", d.SessionCreateRateLimitPerAgent, 0),
            SessionCreateRateLimitWindowAgent = s.Int("session_create_rate_limit_window_agent", d.SessionCreateRateLimitWindowAgent, 0),
            ShutdownDrainTimeout = s.Int("shutdown_drain_timeout", d.ShutdownDrainTimeout, 0),
            EnabledRevocationNotifications = r.List("enabled_revocation_notifications", d.EnabledRevocationNotifications),
            ZmqIp = r.String("zmq_ip", d.ZmqIp),
            ZmqPort = r.Port("zmq_port", d.ZmqPort),
            WebhookUrl = r.String("webhook_url", d.WebhookUrl),
        };
    }

    // An empty mode means pull (Keylime's behaviour); anything but push/pull stops start-up.
    private static VerifierMode ReadMode(ConfigSection s) =>
        s.String("mode", "pull").ToLowerInvariant() switch
        {
            "" or "pull" => VerifierMode.Pull,
            "push" => VerifierMode.Push,
            _ => throw s.Invalid("mode", "expected push or pull"),
        };

    private static List<SeverityRule> ReadSeverityPolicy(ConfigSection s)
    {
        var json = s.Json("severity_policy", """[{"event_id": ".*", "severity_label": "emergency"}]""");
        if (json.ValueKind != JsonValueKind.Array)
        {
            throw s.Invalid("severity_policy", "expected a JSON list of {\"event_id\", \"severity_label\"} objects");
        }

        var rules = new List<SeverityRule>();
        foreach (var item in json.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("event_id", out var id) || id.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("severity_label", out var label) || label.ValueKind != JsonValueKind.String)
            {
                throw s.Invalid("severity_policy", "expected a JSON list of {\"event_id\", \"severity_label\"} objects");
            }

            rules.Add(new SeverityRule(id.GetString()!, label.GetString()!));
        }

        return rules;
    }
}
