using System.Globalization;
using Keylime.Shared.Configuration;
using Keylime.Tenant.Cli;

namespace Keylime.Tenant.Configuration;

/// <summary>
/// Everything the tenant needs from <c>tenant.conf</c> and the command line, with TLS paths already
/// resolved the way Keylime's <c>web_util.get_tls_options("tenant", is_client=True)</c> resolves them.
/// Ports stay strings: Keylime reads them with <c>config.get</c> and sends <c>verifier_port</c> as a
/// string in the enrollment body.
/// </summary>
public sealed record TenantSettings
{
    public required string VerifierIp { get; init; }
    public required string VerifierPort { get; init; }
    public string? VerifierId { get; init; }
    public required string RegistrarIp { get; init; }
    public required string RegistrarPort { get; init; }

    /// <summary>Client certificate presented to verifier and registrar (null: none configured).</summary>
    public string? ClientCertFile { get; init; }
    public string? ClientKeyFile { get; init; }
    public string? ClientKeyPassword { get; init; }

    /// <summary>CA files the servers' certificates must chain to.</summary>
    public IReadOnlyList<string> TrustedServerCaFiles { get; init; } = [];

    /// <summary>False when <c>trusted_server_ca = all</c> (Keylime: no server verification).</summary>
    public bool VerifyServerCertificate { get; init; } = true;

    public string TpmCertStore { get; init; } = "/var/lib/keylime/tpm_cert_store";
    public bool RequireEkCert { get; init; } = true;
    public IReadOnlyList<string> AcceptTpmHashAlgs { get; init; } = ["sha512", "sha384", "sha256"];
    public IReadOnlyList<string> AcceptTpmEncryptionAlgs { get; init; } = ["ecc", "rsa"];
    public IReadOnlyList<string> AcceptTpmSigningAlgs { get; init; } = ["ecschnorr", "rsassa"];
    public bool ExponentialBackoff { get; init; } = true;
    public double RetryInterval { get; init; } = 2;
    public int MaxRetries { get; init; } = 5;
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public string MbRefstate { get; init; } = "";

    /// <summary>Settings from tenant.conf (Keylime's file discovery and KEYLIME_TENANT_* overrides) and the command line.</summary>
    public static TenantSettings Load(TenantArguments args, KeylimeConfigLocations? locations = null)
    {
        try
        {
            return From(TenantOptions.Load(locations), args);
        }
        catch (KeylimeConfigException e)
        {
            throw new TenantException(e.Message, e);
        }
    }

    /// <summary>Applies Keylime's TLS path rules and the command-line overrides to bound options.</summary>
    public static TenantSettings From(TenantOptions o, TenantArguments args)
    {
        var tlsDir = TlsDirectory(o);
        var (caFiles, verify) = TrustedCa(o, tlsDir);
        return new TenantSettings
        {
            VerifierIp = args.VerifierIp ?? o.VerifierIp,
            VerifierPort = args.VerifierPort ?? o.VerifierPort.ToString(CultureInfo.InvariantCulture),
            VerifierId = args.VerifierId,
            RegistrarIp = args.RegistrarIp ?? o.RegistrarIp,
            RegistrarPort = args.RegistrarPort ?? o.RegistrarPort.ToString(CultureInfo.InvariantCulture),
            ClientCertFile = TlsFile(o.ClientCert, tlsDir, "client-cert.crt"),
            ClientKeyFile = TlsFile(o.ClientKey, tlsDir, "client-private.pem"),
            ClientKeyPassword = string.IsNullOrEmpty(o.ClientKeyPassword) ? null : o.ClientKeyPassword,
            TrustedServerCaFiles = caFiles,
            VerifyServerCertificate = verify,
            TpmCertStore = o.TpmCertStore,
            RequireEkCert = o.RequireEkCert,
            AcceptTpmHashAlgs = o.AcceptTpmHashAlgs,
            AcceptTpmEncryptionAlgs = o.AcceptTpmEncryptionAlgs,
            AcceptTpmSigningAlgs = o.AcceptTpmSigningAlgs,
            ExponentialBackoff = o.ExponentialBackoff,
            RetryInterval = o.RetryInterval,
            MaxRetries = o.MaxRetries,
            RequestTimeout = TimeSpan.FromSeconds(o.RequestTimeout > 0 ? o.RequestTimeout : 60),
            MbRefstate = o.MbRefstate,
        };
    }

    // tls_dir: "default" shares the verifier's $KEYLIME_DIR/cv_ca; anything else is relative to KEYLIME_DIR.
    private static string TlsDirectory(TenantOptions o)
    {
        if (string.IsNullOrEmpty(o.TlsDir))
        {
            throw new TenantException("The 'tls_dir' option is not set for 'tenant'");
        }

        return o.TlsDir == "default"
            ? Path.GetFullPath(Path.Combine(o.KeylimeDir, "cv_ca"))
            : Path.GetFullPath(Path.Combine(o.KeylimeDir, o.TlsDir));
    }

    private static string? TlsFile(string configured, string tlsDir, string defaultName) => configured switch
    {
        "" => null,
        "default" => Path.Combine(tlsDir, defaultName),
        _ => Path.GetFullPath(Path.Combine(tlsDir, configured)),
    };

    // trusted_server_ca: "default" is the verifier CA under KEYLIME_DIR (not tls_dir, as in Keylime),
    // "all" turns server verification off, a list names files relative to tls_dir.
    private static (IReadOnlyList<string> Files, bool Verify) TrustedCa(TenantOptions o, string tlsDir)
    {
        var list = o.TrustedServerCa.Where(s => s.Length > 0).ToList();
        return list switch
        {
            [] => ([], true),
            ["default"] => ([Path.GetFullPath(Path.Combine(o.KeylimeDir, "cv_ca", "cacert.crt"))], true),
            ["all"] => ([], false),
            _ => (list.Select(ca => Path.GetFullPath(Path.Combine(tlsDir, ca))).ToList(), true),
        };
    }
}
