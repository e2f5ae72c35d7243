using Keylime.Shared.Configuration;

namespace Keylime.Shared.Tests.Configuration;

/// <summary>An invalid value stops start-up with one line naming the file, section and key.</summary>
public sealed class ConfigErrorTests : IDisposable
{
    private readonly ConfigTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private KeylimeConfigException LoadFails(string text)
    {
        _tree.WriteEtc("verifier.conf", text);
        return Assert.Throws<KeylimeConfigException>(() => VerifierOptions.Load(_tree.Locations));
    }

    [Fact]
    public void Non_numeric_port_names_file_line_section_and_key()
    {
        var e = LoadFails("[verifier]\nip = 1.2.3.4\nport = abc\n");

        Assert.Equal($"invalid configuration: {Path.Combine(_tree.Etc, "verifier.conf")}:3: [verifier] port = 'abc': expected an integer between 0 and 65535", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Unknown_mode_is_refused()
    {
        var e = LoadFails("[verifier]\nmode = sideways\n");

        Assert.Contains("verifier.conf:2: [verifier] mode = 'sideways': expected push or pull", e.Message);
    }

    [Fact]
    public void Empty_mode_means_pull()
    {
        _tree.WriteEtc("verifier.conf", "[verifier]\nmode = \n");

        Assert.Equal(VerifierMode.Pull, VerifierOptions.Load(_tree.Locations).Mode);
    }

    [Fact]
    public void Invalid_value_from_the_environment_names_the_variable()
    {
        _tree.Env["KEYLIME_VERIFIER_AUTO_MIGRATE_DB"] = "maybe";

        var e = Assert.Throws<KeylimeConfigException>(() => VerifierOptions.Load(_tree.Locations));

        Assert.Contains("environment variable KEYLIME_VERIFIER_AUTO_MIGRATE_DB: [verifier] auto_migrate_db = 'maybe': expected a boolean", e.Message);
    }

    [Theory]
    [InlineData("quote_interval = fast", "quote_interval")]
    [InlineData("quote_interval = -1", "quote_interval")]
    [InlineData("measured_boot_evaluate = sometimes", "measured_boot_evaluate")]
    [InlineData("database_pool_sz_ovfl = 5", "database_pool_sz_ovfl")]
    [InlineData("severity_policy = {not json", "severity_policy")]
    [InlineData("trusted_client_ca = ['a', ", "trusted_client_ca")]
    [InlineData("port = 70000", "port")]
    public void Each_invalid_option_names_its_key(string line, string key)
    {
        var e = LoadFails("[verifier]\n" + line + "\n");

        Assert.Contains($"[verifier] {key} = ", e.Message);
    }

    [Fact]
    public void Registrar_choice_options_are_validated()
    {
        _tree.WriteEtc("registrar.conf", "[registrar]\nmalformed_cert_action = explode\n");

        var e = Assert.Throws<KeylimeConfigException>(() => RegistrarOptions.Load(_tree.Locations));

        Assert.Contains("[registrar] malformed_cert_action = 'explode': expected one of warn, reject, ignore", e.Message);
    }

    [Fact]
    public void Syntax_error_names_the_file_and_line()
    {
        var e = LoadFails("[verifier]\nthis line has no delimiter\n");

        Assert.Contains("verifier.conf:2:", e.Message);
    }

    [Fact]
    public void Duplicate_key_in_one_file_is_an_error_as_in_configparser_strict_mode()
    {
        var e = LoadFails("[verifier]\nport = 1\nport = 2\n");

        Assert.Contains("[verifier] port is set twice", e.Message);
    }
}
