using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Keylime.Shared.Configuration;

namespace Keylime.PushAgent.Configuration;

/// <summary>
/// Turns agent.conf (read by <see cref="AgentOptions"/>: files, conf.d, KEYLIME_AGENT_*, KEYLIME_DIR)
/// and the command line into <see cref="AgentSettings"/>, refusing what cannot work (issue 8): no
/// verifier URL, a plain-HTTP verifier without <c>--insecure</c>, an unreadable CA file,
/// api_versions without 3.0, unknown algorithms, a missing keylime_dir.
/// </summary>
public static partial class AgentSettingsReader
{
    public static AgentSettings Load(KeylimeConfigLocations locations, CommandLineOverrides cli)
    {
        var options = AgentOptions.Load(locations);
        return Read(options, cli) with { Tcti = ConfiguredTcti(options, locations) };
    }

    public static AgentSettings Read(AgentOptions o, CommandLineOverrides cli)
    {
        var keylimeDir = Directory.Exists(o.KeylimeDir)
            ? Path.GetFullPath(o.KeylimeDir)
            : throw new AgentConfigException($"keylime_dir {o.KeylimeDir} does not exist (set keylime_dir in agent.conf or KEYLIME_DIR)");
        var verifierUrl = VerifierUrl(o, cli);
        var (registrarUrl, registrarCa) = Registrar(o, cli);
        CheckApiVersions(o.ApiVersions);
        return new AgentSettings
        {
            Uuid = Uuid(o.Uuid),
            VerifierAgentId = cli.AgentIdentifier is { Length: > 0 } id ? CheckAgentId(id, "--agent-identifier") : null,
            VerifierUrl = verifierUrl,
            VerifierCaCertificate = VerifierCa(o, cli, verifierUrl),
            Insecure = cli.Insecure,
            AvoidTpm = cli.AvoidTpm,
            ApiVersion = ApiVersion(cli.ApiVersion),
            RequestTimeout = TimeSpan.FromMilliseconds(cli.TimeoutMilliseconds is { } t
                ? t > 0 ? t : throw new AgentConfigException($"--timeout {t}: expected a positive number of milliseconds")
                : 5000),
            AttestationInterval = TimeSpan.FromSeconds(cli.AttestationIntervalSeconds is { } s
                ? s >= 0 ? s : throw new AgentConfigException($"--attestation-interval-seconds {s}: expected 0 or more")
                : o.AttestationIntervalSeconds),
            Backoff = new BackoffSettings(
                TimeSpan.FromMilliseconds(Math.Max(1, o.ExponentialBackoffInitialDelayMs)),
                o.ExponentialBackoffMaxRetries,
                TimeSpan.FromMilliseconds(Math.Max(1, o.ExponentialBackoffMaxDelayMs))),
            RegistrarUrl = registrarUrl,
            RegistrarCaCertificate = registrarCa,
            RegistrarApiVersions = o.RegistrarApiVersionList is { Count: > 0 } versions
                ? versions
                : throw new AgentConfigException($"registrar_api_versions '{o.RegistrarApiVersions}': expected default, latest or a list of versions"),
            ContactIp = o.ContactIp,
            ContactPort = o.ContactPort,
            KeylimeDir = keylimeDir,
            AgentDataPath = Path.GetFullPath(o.AgentDataFile),
            TpmEncryptionAlg = EncryptionAlgorithms.Contains(o.TpmEncryptionAlg)
                ? o.TpmEncryptionAlg
                : throw new AgentConfigException($"tpm_encryption_alg '{o.TpmEncryptionAlg}': expected rsa, ecc or a size such as rsa2048, ecc256"),
            TpmHashAlg = o.TpmHashAlg,
            TpmSigningAlg = o.TpmSigningAlg,
            CertificationKeysServerIdentifier = o.CertificationKeysServerIdentifier,
            UefiLogsEvidenceVersion = o.UefiLogsEvidenceVersion,
            ImaLogPath = o.ImaLogFile,
            MeasuredBootLogPath = o.MeasuredBootLogFile,
            AcceptInvalidHostnames = o.TlsAcceptInvalidHostnames,
        };
    }

    private static readonly string[] EncryptionAlgorithms =
    [
        "rsa", "ecc", "rsa1024", "rsa2048", "rsa3072", "rsa4096", "ecc192", "ecc224", "ecc256", "ecc384", "ecc521",
        "ecc_nist_p192", "ecc_nist_p224", "ecc_nist_p256", "ecc_nist_p384", "ecc_nist_p521", "ecc_sm2", "ecc_sm2_p256",
    ];

    private static string Uuid(string value) => value switch
    {
        "hash_ek" => value,
        // A fresh identity on every start, as Keylime documents; it is not persisted.
        "generate" => Guid.NewGuid().ToString("D"),
        _ => CheckAgentId(value, "uuid"),
    };

    private static string CheckAgentId(string id, string option) =>
        Guid.TryParse(id, out var g) ? g.ToString("D")
        : AgentIdPattern().IsMatch(id) ? id
        : throw new AgentConfigException(
            $"{option} '{id}': expected a UUID{(option == "uuid" ? ", 'generate', 'hash_ek'" : "")} or an id of letters, digits, '-', '_' and '.'");

    private static Uri VerifierUrl(AgentOptions o, CommandLineOverrides cli)
    {
        // Keylime's agent.conf template ships verifier_url = "" and the Rust agent then silently uses
        // https://localhost:8881; a push agent cannot guess where its verifier is, so unset is refused.
        var (text, origin) = cli.VerifierUrl is { } flag ? (flag, "--verifier-url") : (o.VerifierUrlConfigured ? o.VerifierUrl : "", "verifier_url");
        if (text.Length == 0)
        {
            throw new AgentConfigException("no verifier URL: set verifier_url in agent.conf, KEYLIME_AGENT_VERIFIER_URL or --verifier-url");
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new AgentConfigException($"{origin} '{text}': expected an https:// URL");
        }

        if (url.Scheme == Uri.UriSchemeHttp && !cli.Insecure)
        {
            throw new AgentConfigException($"{origin} '{text}' is plain HTTP: the verifier must be HTTPS (http:// only with --insecure, for testing)");
        }

        // A trailing slash gives "//v3.0" paths in the Rust agent (spec §9.14); one base form here.
        return new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
    }

    /// <summary>
    /// <c>tcti</c> from agent.conf (issue 8; not an option of AgentOptions): the last file setting it,
    /// or KEYLIME_AGENT_TCTI. The <c>TCTI</c> environment variable still wins, in the TPM layer.
    /// </summary>
    private static string? ConfiguredTcti(AgentOptions options, KeylimeConfigLocations locations)
    {
        if (locations.Env("KEYLIME_AGENT_TCTI") is { Length: > 0 } env)
        {
            return env;
        }

        string? value = null;
        foreach (var file in options.ConfigFiles)
        {
            var table = Tomlyn.TomlSerializer.Deserialize(File.ReadAllText(file), AgentTomlContext.Default.TomlTable);
            if (table is not null && table.TryGetValue("agent", out var agent) && agent is Tomlyn.Model.TomlTable section
                && section.TryGetValue("tcti", out var tcti) && tcti is string { Length: > 0 } text)
            {
                value = text;
            }
        }

        return value;
    }

    private static string? VerifierCa(AgentOptions o, CommandLineOverrides cli, Uri verifierUrl)
    {
        if (cli.Insecure || verifierUrl.Scheme != Uri.UriSchemeHttps)
        {
            return null;
        }

        return cli.CaCertificate is { Length: > 0 } flag
            ? CheckCertificateFile(Path.GetFullPath(flag), "--ca-certificate")
            : CheckCertificateFile(o.VerifierCaFile, "verifier_tls_ca_cert");
    }

    private static (Uri Url, string? Ca) Registrar(AgentOptions o, CommandLineOverrides cli)
    {
        Uri? url;
        if (cli.RegistrarUrl is { } flag)
        {
            if (!Uri.TryCreate(flag, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new AgentConfigException($"--registrar-url '{flag}': expected an http:// or https:// URL");
            }

            url = new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        }
        else
        {
            var host = o.RegistrarIp.Contains(':', StringComparison.Ordinal) && !o.RegistrarIp.StartsWith('[') ? $"[{o.RegistrarIp}]" : o.RegistrarIp;
            var (scheme, port) = o.RegistrarTlsEnabled ? ("https", o.RegistrarTlsPort) : ("http", o.RegistrarPort);
            if (!Uri.TryCreate($"{scheme}://{host}:{port}/", UriKind.Absolute, out url))
            {
                throw new AgentConfigException($"registrar_ip '{o.RegistrarIp}': expected an IP address or host name");
            }
        }

        return url.Scheme == Uri.UriSchemeHttps ? (url, CheckCertificateFile(o.RegistrarCaFile, "registrar_tls_ca_cert")) : (url, null);
    }

    private static void CheckApiVersions(string apiVersions)
    {
        // The push agent speaks only API 3.x; a list without 3.0 cannot work with any verifier.
        if (ConfigValues.IsDefault(apiVersions.Trim()) || apiVersions.Trim().Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var list = ConfigValues.List(apiVersions) ?? [];
        if (!list.Contains("3.0"))
        {
            throw new AgentConfigException($"api_versions '{apiVersions}': the push agent speaks API 3.0; the list must include 3.0");
        }
    }

    private static string ApiVersion(string? flag)
    {
        if (flag is null)
        {
            return "v3.0";
        }

        var match = ApiVersionPattern().Match(flag.Trim());
        return match.Success
            ? "v" + match.Groups[1].Value
            : throw new AgentConfigException($"--api-version '{flag}': expected a 3.x API version such as v3.0");
    }

    private static string CheckCertificateFile(string path, string origin)
    {
        try
        {
            var certs = new X509Certificate2Collection();
            certs.ImportFromPemFile(path);
            return certs.Count > 0 ? path : throw new AgentConfigException($"{origin} {path}: no PEM certificate in the file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new AgentConfigException($"{origin} {path}: cannot read the CA certificate: {e.Message}", e);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,255}$")]
    private static partial Regex AgentIdPattern();

    [GeneratedRegex(@"^v?(3\.\d+)$")]
    private static partial Regex ApiVersionPattern();
}
