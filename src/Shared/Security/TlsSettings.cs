using Keylime.Shared.Configuration;

namespace Keylime.Shared.Security;

/// <summary>
/// A server's TLS options resolved to files (spec/verifier.md §10.2, spec/registrar.md §9.2):
/// <list type="bullet">
/// <item><c>tls_dir = generate</c>: <c>$KEYLIME_DIR/cv_ca</c> (verifier) or <c>reg_ca</c> (registrar),
/// created with a CA and certificates on first start; <c>server_cert</c>/<c>server_key</c> must be <c>default</c>;</item>
/// <item><c>tls_dir = default</c>: <c>$KEYLIME_DIR/cv_ca</c>, which must already exist;</item>
/// <item>any other value: that directory (relative ones under KEYLIME_DIR).</item>
/// </list>
/// <c>server_cert</c>/<c>server_key</c>: <c>default</c> → <c>server-cert.crt</c>/<c>server-private.pem</c>,
/// else a path relative to tls_dir. <c>trusted_client_ca</c>: <c>default</c> → <c>$KEYLIME_DIR/cv_ca/cacert.crt</c>
/// (always cv_ca, even for a generated registrar CA), <c>all</c> → client certificates are not verified,
/// else files relative to tls_dir.
/// </summary>
public sealed record TlsSettings
{
    public const string CaCertFile = "cacert.crt";
    public const string CaKeyFile = "ca-private.pem";
    public const string ServerCertFile = "server-cert.crt";
    public const string ServerKeyFile = "server-private.pem";
    public const string ClientCertFile = "client-cert.crt";
    public const string ClientKeyFile = "client-private.pem";

    /// <summary>Absolute TLS directory.</summary>
    public required string TlsDir { get; init; }

    /// <summary>Whether missing CA and certificates are created in <see cref="TlsDir"/> (tls_dir = generate).</summary>
    public bool Generate { get; init; }

    /// <summary>Whether generation also makes the client (tenant/admin) certificate: the verifier's CA does, the registrar's not.</summary>
    public bool GenerateClient { get; init; }

    public required string ServerCert { get; init; }
    public required string ServerKey { get; init; }
    public string ServerKeyPassword { get; init; } = "";

    /// <summary>CA files client certificates must chain to; empty with <see cref="VerifyClientCertificates"/> false for <c>all</c>.</summary>
    public IReadOnlyList<string> TrustedClientCa { get; init; } = [];
    public bool VerifyClientCertificates { get; init; } = true;

    /// <summary>SANs of a generated server certificate: bind ip, 127.0.0.1, ::1, localhost and configured extras.</summary>
    public IReadOnlyList<string> SubjectAlternativeNames { get; init; } = [];

    /// <summary>Subject fields, key size and lifetimes for generated certificates (ca.conf).</summary>
    public CaOptions Ca { get; init; } = new();

    public static TlsSettings ForVerifier(VerifierOptions o, CaOptions? ca = null) =>
        Resolve("verifier", "cv_ca", generateClient: true, o.KeylimeDir, o.TlsDir, o.ServerCert, o.ServerKey, o.ServerKeyPassword,
            o.TrustedClientCa, o.Ip, o.CertSubjectAlternativeNames, ca);

    public static TlsSettings ForRegistrar(RegistrarOptions o, CaOptions? ca = null) =>
        Resolve("registrar", "reg_ca", generateClient: false, o.KeylimeDir, o.TlsDir, o.ServerCert, o.ServerKey, o.ServerKeyPassword,
            o.TrustedClientCa, o.Ip, o.CertSubjectAlternativeNames, ca);

    private static TlsSettings Resolve(
        string section, string generatedDirName, bool generateClient, string keylimeDir, string tlsDir, string serverCert, string serverKey,
        string password, IReadOnlyList<string> trustedClientCa, string ip, IReadOnlyList<string> extraSans, CaOptions? ca)
    {
        var generate = tlsDir.Equals(ConfigValues.Generate, StringComparison.OrdinalIgnoreCase);
        var dir = generate ? Path.Combine(keylimeDir, generatedDirName)
            : ConfigValues.IsDefault(tlsDir) ? Path.Combine(keylimeDir, "cv_ca")
            : Path.Combine(keylimeDir, tlsDir);
        if (generate && (!ConfigValues.IsDefault(serverCert) || !ConfigValues.IsDefault(serverKey)))
        {
            throw new KeylimeConfigException(
                $"invalid configuration: [{section}] tls_dir = 'generate' requires server_cert and server_key to be 'default' (they are '{serverCert}', '{serverKey}')");
        }

        var verify = !(trustedClientCa.Count == 1 && trustedClientCa[0].Equals("all", StringComparison.OrdinalIgnoreCase));
        var trusted = !verify ? []
            : trustedClientCa.Count == 0 || trustedClientCa.All(ConfigValues.IsDefault)
                ? new[] { Path.Combine(keylimeDir, "cv_ca", CaCertFile) }
                : trustedClientCa.Select(f => Path.Combine(dir, f)).ToArray();
        return new TlsSettings
        {
            TlsDir = dir,
            Generate = generate,
            GenerateClient = generateClient,
            ServerCert = ConfigValues.IsDefault(serverCert) ? Path.Combine(dir, ServerCertFile) : Path.Combine(dir, serverCert),
            ServerKey = ConfigValues.IsDefault(serverKey) ? Path.Combine(dir, ServerKeyFile) : Path.Combine(dir, serverKey),
            ServerKeyPassword = password,
            TrustedClientCa = trusted,
            VerifyClientCertificates = verify,
            SubjectAlternativeNames = new[] { ip, "127.0.0.1", "::1", "localhost" }.Concat(extraSans)
                .Where(s => s.Length > 0 && s is not ("0.0.0.0" or "::")).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
            Ca = ca ?? new CaOptions(),
        };
    }
}
