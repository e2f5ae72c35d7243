using Keylime.PushAgent.Configuration;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Configuration;

/// <summary>
/// Every flag of spec/push-agent.md §1.1 takes effect (the Rust agent ignores several of them):
/// each overrides its agent.conf setting.
/// </summary>
public sealed class CommandLineFlagTests : IDisposable
{
    private static readonly string CaPem = SharedData.Path("tpm-vectors", "ca", "rootca_cert.pem");
    private readonly ConfigDirs _dirs = new();

    public CommandLineFlagTests()
    {
        _dirs.Ca(Path.Combine("cv_ca", "cacert.crt"), CaPem);
        _dirs.AgentConf("verifier_url = \"https://conf:8881\"\nattestation_interval_seconds = 30");
    }

    public void Dispose() => _dirs.Dispose();

    private AgentSettings Load(params string[] args)
    {
        var parsed = AgentCommandLine.Create().Parse(args);
        Assert.Empty(parsed.Errors);
        return AgentSettingsReader.Load(_dirs.Locations, AgentCommandLine.Overrides(parsed));
    }

    [Fact]
    public void Without_flags_agent_conf_decides()
    {
        var settings = Load();
        Assert.Equal(new Uri("https://conf:8881/"), settings.VerifierUrl);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.AttestationInterval);
        Assert.Equal("v3.0", settings.ApiVersion);
        Assert.Equal(TimeSpan.FromMilliseconds(5000), settings.RequestTimeout);
        Assert.False(settings.Insecure);
        Assert.False(settings.AvoidTpm);
        Assert.Null(settings.VerifierAgentId);
    }

    [Theory]
    [InlineData("--verifier-url")]
    [InlineData("-v")]
    public void Verifier_url_flag_overrides_verifier_url(string flag) =>
        Assert.Equal(new Uri("https://flag:9999/"), Load(flag, "https://flag:9999").VerifierUrl);

    [Fact]
    public void Registrar_url_flag_overrides_registrar_ip_and_port()
    {
        Assert.Equal(new Uri("http://registrar.example:18890/"), Load("--registrar-url", "http://registrar.example:18890").RegistrarUrl);
        var tls = Load("--registrar-url", "https://registrar.example:18891");
        Assert.Equal(new Uri("https://registrar.example:18891/"), tls.RegistrarUrl);
        Assert.Equal(Path.Combine(_dirs.KeylimeDir, "cv_ca", "cacert.crt"), tls.RegistrarCaCertificate);
    }

    [Fact]
    public void Agent_identifier_flag_sets_the_id_towards_the_verifier() =>
        Assert.Equal("agent-7", Load("--agent-identifier", "agent-7").VerifierAgentId);

    [Fact]
    public void Attestation_interval_flag_overrides_the_configured_interval() =>
        Assert.Equal(TimeSpan.FromSeconds(7), Load("--attestation-interval-seconds", "7").AttestationInterval);

    [Fact]
    public void Ca_certificate_flag_overrides_verifier_tls_ca_cert()
    {
        var ca = Path.Combine(_dirs.Root, "flag-ca.pem");
        File.Copy(CaPem, ca);
        Assert.Equal(ca, Load("--ca-certificate", ca).VerifierCaCertificate);
    }

    [Theory]
    [InlineData("v3.0", "v3.0")]
    [InlineData("3.1", "v3.1")]
    public void Api_version_flag_sets_the_path_prefix(string flag, string expected) =>
        Assert.Equal(expected, Load("--api-version", flag).ApiVersion);

    [Fact]
    public void Timeout_flag_sets_the_per_request_timeout_in_milliseconds() =>
        Assert.Equal(TimeSpan.FromMilliseconds(1234), Load("--timeout", "1234").RequestTimeout);

    [Theory]
    [InlineData("--insecure")]
    [InlineData("--insecure", "true")]
    [InlineData("--insecure=true")]
    public void Insecure_flag_allows_plain_http_and_skips_the_CA(params string[] args)
    {
        var settings = Load([.. args, "--verifier-url", "http://127.0.0.1:8881"]);
        Assert.True(settings.Insecure);
        Assert.Equal(new Uri("http://127.0.0.1:8881/"), settings.VerifierUrl);
        Assert.Null(settings.VerifierCaCertificate);
    }

    [Fact]
    public void Insecure_false_is_not_insecure() => Assert.False(Load("--insecure", "false").Insecure);

    [Theory]
    [InlineData("--avoid-tpm")]
    [InlineData("--avoid-tpm", "true")]
    public void Avoid_tpm_flag_selects_the_software_TPM(params string[] args) => Assert.True(Load(args).AvoidTpm);
}
