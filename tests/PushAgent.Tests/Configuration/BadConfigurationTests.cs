using System.Diagnostics;
using Keylime.PushAgent.Tests.Support;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Configuration;

/// <summary>Configuration that cannot work stops the agent with one clear line on stderr and a non-zero exit code.</summary>
public sealed class BadConfigurationTests : IDisposable
{
    private readonly ConfigDirs _dirs = new();

    public BadConfigurationTests()
    {
        _dirs.Ca(Path.Combine("cv_ca", "cacert.crt"), SharedData.Path("tpm-vectors", "ca", "rootca_cert.pem"));
    }

    public void Dispose() => _dirs.Dispose();

    private async Task<(int Exit, string[] Lines)> Run(params string[] args)
    {
        using var error = new StringWriter();
        var exit = await AgentProgram.RunAsync(args, _dirs.Locations, error);
        return (exit, error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private async Task AssertRefused(string expectedFragment, params string[] args)
    {
        var (exit, lines) = await Run(args);
        Assert.NotEqual(0, exit);
        var line = Assert.Single(lines);
        Assert.Contains(expectedFragment, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_verifier_URL_is_refused()
    {
        _dirs.AgentConf("verifier_url = \"\"");
        await AssertRefused("no verifier URL");
    }

    [Fact]
    public async Task Plain_http_verifier_without_insecure_is_refused()
    {
        _dirs.AgentConf("verifier_url = \"http://verifier:8881\"");
        await AssertRefused("must be HTTPS");
    }

    [Fact]
    public async Task Unreadable_CA_file_is_refused()
    {
        _dirs.AgentConf("verifier_url = \"https://verifier:8881\"\nverifier_tls_ca_cert = \"missing-ca.pem\"");
        await AssertRefused("missing-ca.pem: cannot read the CA certificate");
    }

    [Fact]
    public async Task Ca_flag_naming_a_missing_file_is_refused()
    {
        _dirs.AgentConf("verifier_url = \"https://verifier:8881\"");
        await AssertRefused("--ca-certificate", "--ca-certificate", Path.Combine(_dirs.Root, "nope.pem"));
    }

    [Fact]
    public async Task Bad_TOML_is_refused_naming_the_file()
    {
        var file = _dirs.Write("etc/agent.conf", "[agent]\nverifier_url = \"https://v:8881\nuuid = \n");
        await AssertRefused(file);
    }

    [Fact]
    public async Task Api_versions_without_3_0_are_refused()
    {
        _dirs.AgentConf("verifier_url = \"https://v:8881\"\napi_versions = \"2.0, 2.1\"");
        await AssertRefused("must include 3.0");
    }

    [Fact]
    public async Task Unknown_hash_algorithm_is_refused()
    {
        _dirs.AgentConf("verifier_url = \"https://v:8881\"\ntpm_hash_alg = \"md5\"");
        await AssertRefused("tpm_hash_alg");
    }

    [Fact]
    public async Task Missing_keylime_dir_is_refused()
    {
        _dirs.Write("etc/agent.conf", $"[agent]\nverifier_url = \"https://v:8881\"\nkeylime_dir = \"{Path.Combine(_dirs.Root, "absent")}\"\n");
        await AssertRefused("does not exist");
    }

    [Fact]
    public async Task Unknown_flag_is_a_usage_error()
    {
        var (exit, lines) = await Run("--no-such-flag");
        Assert.Equal(AgentProgram.UsageError, exit);
        Assert.Contains("--no-such-flag", Assert.Single(lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_numeric_timeout_is_a_usage_error()
    {
        var (exit, lines) = await Run("--timeout", "soon");
        Assert.Equal(AgentProgram.UsageError, exit);
        Assert.Single(lines);
    }

    [Fact]
    public void The_real_process_exits_non_zero_with_one_line_for_bad_TOML()
    {
        var conf = _dirs.Write("bad.conf", "[agent\nverifier_url = 1\n");
        var dll = AgentBinary.Path;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.Environment["KEYLIME_AGENT_CONFIG"] = conf;
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(30000));
        Assert.NotEqual(0, process.ExitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("keylime_push_model_agent: error: invalid configuration: " + conf, line, StringComparison.Ordinal);
    }
}
