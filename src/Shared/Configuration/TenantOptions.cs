namespace Keylime.Shared.Configuration;

/// <summary>Every option of <c>tenant.conf</c> <c>[tenant]</c> with Keylime 2.6's template defaults.</summary>
public sealed record TenantOptions
{
    public string Version { get; init; } = "2.6";
    public string VerifierIp { get; init; } = "127.0.0.1";
    public int VerifierPort { get; init; } = 8881;
    public string RegistrarIp { get; init; } = "127.0.0.1";

    /// <summary>The registrar's TLS port: the tenant always talks HTTPS to it.</summary>
    public int RegistrarPort { get; init; } = 8891;

    /// <summary><c>default</c> → $KEYLIME_DIR/cv_ca; else a path (relative to KEYLIME_DIR).</summary>
    public string TlsDir { get; init; } = "default";
    public bool EnableAgentMtls { get; init; } = true;
    public string ClientKey { get; init; } = "default";
    public string ClientKeyPassword { get; init; } = "";
    public string ClientCert { get; init; } = "default";
    public IReadOnlyList<string> TrustedServerCa { get; init; } = ["default"];
    public string TpmCertStore { get; init; } = "/var/lib/keylime/tpm_cert_store";
    public long MaxPayloadSize { get; init; } = 1048576;
    public IReadOnlyList<string> AcceptTpmHashAlgs { get; init; } = ["sha512", "sha384", "sha256"];
    public IReadOnlyList<string> AcceptTpmEncryptionAlgs { get; init; } = ["ecc", "rsa"];
    public IReadOnlyList<string> AcceptTpmSigningAlgs { get; init; } = ["ecschnorr", "rsassa"];
    public bool ExponentialBackoff { get; init; } = true;
    public double RetryInterval { get; init; } = 2;
    public int MaxRetries { get; init; } = 5;
    public double RequestTimeout { get; init; } = 60;
    public bool RequireEkCert { get; init; } = true;
    public string EkCheckScript { get; init; } = "";
    public string MbRefstate { get; init; } = "";

    public string KeylimeDir { get; init; } = KeylimeConfigLocations.DefaultKeylimeDir;
    public IReadOnlyList<string> ConfigFiles { get; init; } = [];

    /// <summary>Loads tenant.conf with Keylime's precedence and binds it.</summary>
    public static TenantOptions Load(KeylimeConfigLocations? locations = null) =>
        From(KeylimeConfig.Load("tenant", locations));

    /// <summary>Binds a loaded configuration; throws <see cref="KeylimeConfigException"/> on an invalid value.</summary>
    public static TenantOptions From(KeylimeConfig config)
    {
        var s = config.Section("tenant");
        var d = new TenantOptions();
        return new TenantOptions
        {
            Version = s.String("version", d.Version),
            VerifierIp = s.String("verifier_ip", d.VerifierIp),
            VerifierPort = s.Port("verifier_port", d.VerifierPort),
            RegistrarIp = s.String("registrar_ip", d.RegistrarIp),
            RegistrarPort = s.Port("registrar_port", d.RegistrarPort),
            TlsDir = s.String("tls_dir", d.TlsDir),
            EnableAgentMtls = s.Bool("enable_agent_mtls", d.EnableAgentMtls),
            ClientKey = s.String("client_key", d.ClientKey),
            ClientKeyPassword = s.String("client_key_password", d.ClientKeyPassword),
            ClientCert = s.String("client_cert", d.ClientCert),
            TrustedServerCa = s.List("trusted_server_ca", d.TrustedServerCa),
            TpmCertStore = s.String("tpm_cert_store", d.TpmCertStore),
            MaxPayloadSize = s.Long("max_payload_size", d.MaxPayloadSize, 0),
            AcceptTpmHashAlgs = s.List("accept_tpm_hash_algs", d.AcceptTpmHashAlgs),
            AcceptTpmEncryptionAlgs = s.List("accept_tpm_encryption_algs", d.AcceptTpmEncryptionAlgs),
            AcceptTpmSigningAlgs = s.List("accept_tpm_signing_algs", d.AcceptTpmSigningAlgs),
            ExponentialBackoff = s.Bool("exponential_backoff", d.ExponentialBackoff),
            RetryInterval = s.Double("retry_interval", d.RetryInterval, 0),
            MaxRetries = s.Int("max_retries", d.MaxRetries, 0),
            RequestTimeout = s.Double("request_timeout", d.RequestTimeout, 0),
            RequireEkCert = s.Bool("require_ek_cert", d.RequireEkCert),
            EkCheckScript = s.String("ek_check_script", d.EkCheckScript),
            MbRefstate = s.String("mb_refstate", d.MbRefstate),
            KeylimeDir = config.KeylimeDir,
            ConfigFiles = config.Files,
        };
    }
}
