namespace Keylime.Shared.Configuration;

/// <summary>
/// Every option of <c>registrar.conf</c> <c>[registrar]</c> with template 2.6 defaults
/// (spec/registrar.md §9.2), plus <c>[tenant] tpm_cert_store</c>, which Keylime's registrar reads
/// from tenant.conf (env <c>KEYLIME_TENANT_TPM_CERT_STORE</c>).
/// </summary>
public sealed record RegistrarOptions
{
    public string Version { get; init; } = "2.6";
    public string Ip { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8890;
    public int TlsPort { get; init; } = 8891;

    /// <summary><c>default</c> → $KEYLIME_DIR/cv_ca (the verifier's CA); <c>generate</c> → $KEYLIME_DIR/reg_ca.</summary>
    public string TlsDir { get; init; } = "default";
    public string ServerKey { get; init; } = "default";
    public string ServerKeyPassword { get; init; } = "";
    public string ServerCert { get; init; } = "default";
    public IReadOnlyList<string> CertSubjectAlternativeNames { get; init; } = [];
    public IReadOnlyList<string> TrustedClientCa { get; init; } = ["default"];
    public string AuthorizationProvider { get; init; } = "simple";

    public string DatabaseUrl { get; init; } = "sqlite";
    public int DatabasePoolSize { get; init; } = 5;
    public int DatabaseMaxOverflow { get; init; } = 10;
    public int MaxWorkers { get; init; } = 16;
    public bool AutoMigrateDb { get; init; } = true;

    public DurableAttestationOptions DurableAttestation { get; init; } = new() { SignedAttributes = ["ek_tpm", "aik_tpm", "ekcert"] };

    /// <summary><c>default</c> (= ek_cert_or_iak_idevid), <c>ek_cert_or_iak_idevid</c>, <c>ek_cert</c> or <c>iak_idevid</c>.</summary>
    public string TpmIdentity { get; init; } = "default";

    /// <summary><c>warn</c>, <c>reject</c> or <c>ignore</c>.</summary>
    public string MalformedCertAction { get; init; } = "warn";

    /// <summary>Request body cap; not in the template.</summary>
    public long MaxUploadSize { get; init; } = 104857600;

    /// <summary><c>[tenant] tpm_cert_store</c> from tenant.conf (IAK/IDevID issuer check).</summary>
    public string TpmCertStore { get; init; } = "/var/lib/keylime/tpm_cert_store";

    public string KeylimeDir { get; init; } = KeylimeConfigLocations.DefaultKeylimeDir;
    public IReadOnlyList<string> ConfigFiles { get; init; } = [];

    /// <summary>Loads registrar.conf (and tenant.conf for tpm_cert_store) with Keylime's precedence.</summary>
    public static RegistrarOptions Load(KeylimeConfigLocations? locations = null)
    {
        locations ??= KeylimeConfigLocations.FromSystem();
        return From(KeylimeConfig.Load("registrar", locations), KeylimeConfig.Load("tenant", locations));
    }

    /// <summary>Binds loaded configurations; <paramref name="tenant"/> may be null (then tpm_cert_store keeps its default).</summary>
    public static RegistrarOptions From(KeylimeConfig config, KeylimeConfig? tenant = null)
    {
        var s = config.Section("registrar");
        var d = new RegistrarOptions();
        var (poolSize, overflow) = CommonOptions.Pool(s, d.DatabasePoolSize, d.DatabaseMaxOverflow);
        return new RegistrarOptions
        {
            Version = s.String("version", d.Version),
            Ip = s.String("ip", d.Ip),
            Port = s.Port("port", d.Port),
            TlsPort = s.Port("tls_port", d.TlsPort),
            TlsDir = s.String("tls_dir", d.TlsDir),
            ServerKey = s.String("server_key", d.ServerKey),
            ServerKeyPassword = s.String("server_key_password", d.ServerKeyPassword),
            ServerCert = s.String("server_cert", d.ServerCert),
            CertSubjectAlternativeNames = s.List("cert_subject_alternative_names", d.CertSubjectAlternativeNames),
            TrustedClientCa = s.List("trusted_client_ca", d.TrustedClientCa),
            AuthorizationProvider = s.String("authorization_provider", d.AuthorizationProvider),
            DatabaseUrl = s.String("database_url", d.DatabaseUrl),
            DatabasePoolSize = poolSize,
            DatabaseMaxOverflow = overflow,
            MaxWorkers = s.Int("max_workers", d.MaxWorkers, 0),
            AutoMigrateDb = s.Bool("auto_migrate_db", d.AutoMigrateDb),
            DurableAttestation = DurableAttestationOptions.Read(s, d.DurableAttestation),
            TpmIdentity = s.Choice("tpm_identity", d.TpmIdentity, "default", "ek_cert_or_iak_idevid", "ek_cert", "iak_idevid"),
            MalformedCertAction = s.Choice("malformed_cert_action", d.MalformedCertAction, "warn", "reject", "ignore"),
            MaxUploadSize = s.Long("max_upload_size", d.MaxUploadSize, 1),
            TpmCertStore = tenant?.Section("tenant").String("tpm_cert_store", d.TpmCertStore) ?? d.TpmCertStore,
            KeylimeDir = config.KeylimeDir,
            ConfigFiles = config.Files,
        };
    }
}
