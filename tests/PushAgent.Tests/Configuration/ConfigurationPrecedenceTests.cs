using Keylime.PushAgent.Configuration;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Configuration;

/// <summary>
/// spec/push-agent.md §1.2: built-in defaults &lt; /usr/etc agent.conf &lt; its conf.d &lt; /etc
/// agent.conf &lt; its conf.d &lt; KEYLIME_AGENT_* &lt; the command line; KEYLIME_AGENT_CONFIG replaces
/// every file; KEYLIME_DIR beats keylime_dir.
/// </summary>
public sealed class ConfigurationPrecedenceTests : IDisposable
{
    private static readonly string CaPem = SharedData.Path("tpm-vectors", "ca", "rootca_cert.pem");
    private readonly ConfigDirs _dirs = new();

    public ConfigurationPrecedenceTests()
    {
        _dirs.Ca(Path.Combine("cv_ca", "cacert.crt"), CaPem);
    }

    public void Dispose() => _dirs.Dispose();

    private AgentSettings Load(params string[] args) =>
        AgentSettingsReader.Load(_dirs.Locations, AgentCommandLine.Overrides(AgentCommandLine.Create().Parse(args)));

    [Fact]
    public void Later_sources_win_file_then_snippet_then_environment_then_command_line()
    {
        _dirs.AgentConf("verifier_url = \"https://usr-etc:8881\"", "usr-etc/agent.conf");
        _dirs.AgentConf("verifier_url = \"https://etc:8881\"\nattestation_interval_seconds = 11");
        Assert.Equal("https://etc:8881/", Load().VerifierUrl.ToString());

        _dirs.Write("etc/agent.conf.d/10-site.conf", "[agent]\nverifier_url = \"https://snippet:8881\"\n");
        Assert.Equal("https://snippet:8881/", Load().VerifierUrl.ToString());
        Assert.Equal(TimeSpan.FromSeconds(11), Load().AttestationInterval);

        _dirs.Environment["KEYLIME_AGENT_VERIFIER_URL"] = "https://env:8881";
        Assert.Equal("https://env:8881/", Load().VerifierUrl.ToString());

        Assert.Equal("https://cli:8881/", Load("--verifier-url", "https://cli:8881").VerifierUrl.ToString());
    }

    [Fact]
    public void KEYLIME_AGENT_CONFIG_replaces_every_file_and_snippet()
    {
        _dirs.AgentConf("verifier_url = \"https://etc:8881\"");
        _dirs.Write("etc/agent.conf.d/10-site.conf", "[agent]\nattestation_interval_seconds = 5\n");
        _dirs.Environment["KEYLIME_AGENT_CONFIG"] = _dirs.AgentConf("verifier_url = \"https://only:8881\"", "elsewhere/agent.conf");
        var settings = Load();
        Assert.Equal("https://only:8881/", settings.VerifierUrl.ToString());
        Assert.Equal(TimeSpan.FromSeconds(60), settings.AttestationInterval);
    }

    [Fact]
    public void KEYLIME_DIR_beats_keylime_dir_and_relative_paths_resolve_from_it()
    {
        var other = Directory.CreateDirectory(Path.Combine(_dirs.Root, "other-dir")).FullName;
        File.Copy(CaPem, Path.Combine(other, "my-ca.pem"));
        _dirs.AgentConf("verifier_url = \"https://v:8881\"\nverifier_tls_ca_cert = \"my-ca.pem\"\nagent_data_path = \"ak.json\"");
        _dirs.Environment["KEYLIME_DIR"] = other;
        var settings = Load();
        Assert.Equal(other, settings.KeylimeDir);
        Assert.Equal(Path.Combine(other, "my-ca.pem"), settings.VerifierCaCertificate);
        Assert.Equal(Path.Combine(other, "ak.json"), settings.AgentDataPath);
    }

    [Fact]
    public void Keylime_template_agent_conf_loads_with_only_the_verifier_URL_added()
    {
        var template = File.ReadAllText(SharedData.Path("data", "keylime-conf", "agent.conf"))
            .Replace("keylime_dir = \"/var/lib/keylime\"", $"keylime_dir = \"{_dirs.KeylimeDir}\"", StringComparison.Ordinal);
        _dirs.Write("etc/agent.conf", template);
        var settings = Load("--verifier-url", "https://verifier.example:8881");
        Assert.Equal("d432fbb3-d2f1-4a97-9ef7-75bd81c00000", settings.Uuid);
        Assert.Equal(new Uri("http://127.0.0.1:8890/"), settings.RegistrarUrl);
        Assert.Equal(new BackoffSettings(TimeSpan.FromSeconds(10), 5, TimeSpan.FromSeconds(300)), settings.Backoff);
        Assert.Equal("sha256", settings.TpmHashAlg);
        Assert.Equal("rsassa", settings.TpmSigningAlg);
        Assert.Equal("ak", settings.CertificationKeysServerIdentifier);
        Assert.Equal("2.1", settings.UefiLogsEvidenceVersion);
        Assert.Equal(AgentSettings.DefaultImaLogPath, settings.ImaLogPath);
    }

    [Fact]
    public void Backoff_settings_come_from_the_exponential_backoff_options()
    {
        _dirs.AgentConf("verifier_url = \"https://v:8881\"\nexponential_backoff_initial_delay = 250\nexponential_backoff_max_retries = 2\nexponential_backoff_max_delay = 1000");
        Assert.Equal(new BackoffSettings(TimeSpan.FromMilliseconds(250), 2, TimeSpan.FromSeconds(1)), Load().Backoff);
    }

    [Fact]
    public void Uuid_is_normalised_generated_per_start_or_kept_as_hash_ek()
    {
        _dirs.AgentConf("verifier_url = \"https://v:8881\"\nuuid = \"D432FBB3-D2F1-4A97-9EF7-75BD81C00001\"");
        Assert.Equal("d432fbb3-d2f1-4a97-9ef7-75bd81c00001", Load().Uuid);

        _dirs.Environment["KEYLIME_AGENT_UUID"] = "generate";
        var first = Load().Uuid;
        Assert.True(Guid.TryParse(first, out var g) && g.Version == 4);
        Assert.NotEqual(first, Load().Uuid);

        _dirs.Environment["KEYLIME_AGENT_UUID"] = "hash_ek";
        Assert.True(Load().UuidFromEk);
    }

    [Fact]
    public void Registrar_settings_build_the_registrar_URL_with_TLS_and_its_CA()
    {
        _dirs.AgentConf("verifier_url = \"https://v:8881\"\nregistrar_ip = \"::1\"\nregistrar_tls_enabled = true\nregistrar_tls_port = 9891\nregistrar_tls_ca_cert = \"reg-ca.pem\"");
        _dirs.Ca("reg-ca.pem", CaPem);
        var settings = Load();
        Assert.Equal(new Uri("https://[::1]:9891/"), settings.RegistrarUrl);
        Assert.Equal(Path.Combine(_dirs.KeylimeDir, "reg-ca.pem"), settings.RegistrarCaCertificate);
    }

    [Fact]
    public void Api_versions_with_3_0_and_the_keywords_are_accepted()
    {
        _dirs.AgentConf("verifier_url = \"https://v:8881\"\napi_versions = \"2.2, 3.0\"\ntpm_hash_alg = \"sha384\"\ntpm_signing_alg = \"rsapss\"");
        var settings = Load();
        Assert.Equal("sha384", settings.TpmHashAlg);
        Assert.Equal("rsapss", settings.TpmSigningAlg);
    }
}
