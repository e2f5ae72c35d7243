using Keylime.Shared.Configuration;
using Keylime.TestSupport;

namespace Keylime.Shared.Tests.Configuration;

/// <summary>spec/push-agent.md §1.2–1.4: the agent's TOML configuration, its layering and defaults.</summary>
public sealed class AgentOptionsTests : IDisposable
{
    private readonly ConfigTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void Agent_conf_from_the_template_gives_Keylimes_values()
    {
        _tree.Env["KEYLIME_AGENT_CONFIG"] = SharedData.Path("data", "keylime-conf", "agent.conf");

        var o = AgentOptions.Load(_tree.Locations);

        Assert.Equal("d432fbb3-d2f1-4a97-9ef7-75bd81c00000", o.Uuid);
        Assert.Equal("/var/lib/keylime", o.KeylimeDir);
        Assert.Equal("https://localhost:8881", o.VerifierUrl); // template writes "": default applies
        Assert.False(o.VerifierUrlConfigured);
        Assert.Equal("/var/lib/keylime/agent_data.json", o.AgentDataFile); // "" → default
        Assert.Equal("/var/lib/keylime/cv_ca/cacert.crt", o.VerifierCaFile);
        Assert.Equal(60, o.AttestationIntervalSeconds); // absent from the template
        Assert.Equal(10000, o.ExponentialBackoffInitialDelayMs);
        Assert.Equal(5, o.ExponentialBackoffMaxRetries);
        Assert.Equal(300000, o.ExponentialBackoffMaxDelayMs);
        Assert.Equal("127.0.0.1", o.RegistrarIp);
        Assert.Equal(8890, o.RegistrarPort);
        Assert.False(o.RegistrarTlsEnabled);
        Assert.Equal(8891, o.RegistrarTlsPort);
        Assert.Equal(AgentOptions.KnownRegistrarApiVersions, o.RegistrarApiVersionList);
        Assert.Equal(9002, o.ContactPort);
        Assert.Equal(("rsa", "sha256", "rsassa"), (o.TpmEncryptionAlg, o.TpmHashAlg, o.TpmSigningAlg));
        Assert.Equal("ak", o.CertificationKeysServerIdentifier);
        Assert.Equal("2.1", o.UefiLogsEvidenceVersion);
        Assert.Equal("/sys/kernel/security/ima/ascii_runtime_measurements", o.ImaLogFile);
        Assert.Equal("/sys/kernel/security/tpm0/binary_bios_measurements", o.MeasuredBootLogFile);
        Assert.Equal("keylime:tss", o.RunAs);
        Assert.False(o.EnableIakIdevid);
        Assert.Equal("generate", o.EkHandle);
    }

    [Fact]
    public void Files_layer_usr_etc_then_its_snippets_then_etc_then_its_snippets()
    {
        _tree.WriteUsrEtc("agent.conf", "[agent]\nregistrar_port = 1\ncontact_port = 1\nregistrar_ip = \"a\"\nuuid = \"u\"\n");
        _tree.WriteUsrEtc("agent.conf.d/10.conf", "[agent]\nregistrar_port = 2\ncontact_port = 2\nregistrar_ip = \"b\"\n");
        _tree.WriteEtc("agent.conf", "[agent]\nregistrar_port = 3\ncontact_port = 3\n");
        _tree.WriteEtc("agent.conf.d/20.conf", "[agent]\nregistrar_port = 5\n");
        _tree.WriteEtc("agent.conf.d/10.conf", "[agent]\nregistrar_port = 4\n");

        var o = AgentOptions.Load(_tree.Locations);

        Assert.Equal(5, o.RegistrarPort);
        Assert.Equal(3, o.ContactPort);
        Assert.Equal("b", o.RegistrarIp);
        Assert.Equal("u", o.Uuid);
        Assert.Equal(5, o.ConfigFiles.Count);
    }

    [Fact]
    public void Environment_beats_files_and_overrides_beat_environment()
    {
        _tree.WriteEtc("agent.conf", "[agent]\nverifier_url = \"https://file:1\"\nattestation_interval_seconds = 5\nregistrar_tls_enabled = false\n");
        _tree.Env["KEYLIME_AGENT_VERIFIER_URL"] = "https://env:2";
        _tree.Env["KEYLIME_AGENT_ATTESTATION_INTERVAL_SECONDS"] = "7";
        _tree.Env["KEYLIME_AGENT_REGISTRAR_TLS_ENABLED"] = "true";

        var o = AgentOptions.Load(_tree.Locations, new Dictionary<string, string> { ["verifier_url"] = "https://cli:3" });

        Assert.Equal("https://cli:3", o.VerifierUrl);
        Assert.True(o.VerifierUrlConfigured);
        Assert.Equal(7, o.AttestationIntervalSeconds);
        Assert.True(o.RegistrarTlsEnabled);
    }

    [Fact]
    public void KEYLIME_DIR_overrides_keylime_dir_from_every_file_and_moves_relative_paths()
    {
        _tree.WriteEtc("agent.conf", "[agent]\nkeylime_dir = \"/from/file\"\nagent_data_path = \"sub/ak.json\"\n");
        _tree.Env["KEYLIME_DIR"] = "/from/env";

        var o = AgentOptions.Load(_tree.Locations);

        Assert.Equal("/from/env", o.KeylimeDir);
        Assert.Equal("/from/env/sub/ak.json", o.AgentDataFile);
    }

    [Fact]
    public void Agent_config_variable_loads_only_that_file()
    {
        _tree.WriteEtc("agent.conf", "[agent]\nregistrar_port = 3\ncontact_port = 3\n");
        _tree.Env["KEYLIME_AGENT_CONFIG"] = _tree.Write("x/agent.toml", "[agent]\nregistrar_port = 9\n");

        var o = AgentOptions.Load(_tree.Locations);

        Assert.Equal(9, o.RegistrarPort);
        Assert.Equal(9002, o.ContactPort);
    }

    [Fact]
    public void Agent_config_variable_naming_a_missing_file_is_fatal()
    {
        _tree.Env["KEYLIME_AGENT_CONFIG"] = Path.Combine(_tree.Root, "missing.conf");

        var e = Assert.Throws<KeylimeConfigException>(() => AgentOptions.Load(_tree.Locations));

        Assert.Contains("KEYLIME_AGENT_CONFIG", e.Message);
    }

    [Fact]
    public void Invalid_value_names_file_and_key()
    {
        var path = _tree.WriteEtc("agent.conf", "[agent]\nregistrar_port = \"abc\"\n");

        var e = Assert.Throws<KeylimeConfigException>(() => AgentOptions.Load(_tree.Locations));

        Assert.Equal($"invalid configuration: {path}: [agent] registrar_port = 'abc': expected an integer between 0 and 65535", e.Message);
    }

    [Fact]
    public void Toml_syntax_error_names_the_file()
    {
        var path = _tree.WriteEtc("agent.conf", "[agent]\nregistrar_port = = 1\n");

        var e = Assert.Throws<KeylimeConfigException>(() => AgentOptions.Load(_tree.Locations));

        Assert.StartsWith($"invalid configuration: {path}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("latest", new[] { "2.6" })]
    [InlineData("2.1, 2.3", new[] { "2.1", "2.3" })]
    [InlineData("[\"2.4\", \"2.5\"]", new[] { "2.4", "2.5" })]
    public void Registrar_api_versions_keywords_and_lists(string value, string[] expected) =>
        Assert.Equal(expected, new AgentOptions { RegistrarApiVersions = value }.RegistrarApiVersionList);

    [Fact]
    public void Absolute_paths_are_kept_and_relative_log_paths_resolve_against_root()
    {
        var o = new AgentOptions { VerifierTlsCaCert = "/etc/ca.pem", ImaMlPath = "srv/ima-log" };

        Assert.Equal("/etc/ca.pem", o.VerifierCaFile);
        Assert.Equal("/srv/ima-log", o.ImaLogFile);
    }
}
