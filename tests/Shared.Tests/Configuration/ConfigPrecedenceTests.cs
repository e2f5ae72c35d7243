using Keylime.Shared.Configuration;

namespace Keylime.Shared.Tests.Configuration;

/// <summary>spec/verifier.md §10.1 / spec/registrar.md §9.1: which files are read, in which order, and what wins.</summary>
public sealed class ConfigPrecedenceTests : IDisposable
{
    private readonly ConfigTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private VerifierOptions Load() => VerifierOptions.Load(_tree.Locations);

    [Fact]
    public void Etc_base_file_wins_and_usr_etc_base_file_is_then_ignored()
    {
        _tree.WriteEtc("verifier.conf", "[verifier]\nport = 1001\n");
        _tree.WriteUsrEtc("verifier.conf", "[verifier]\nport = 2002\nquote_interval = 9\n");

        var o = Load();

        Assert.Equal(1001, o.Port);
        Assert.Equal(2, o.QuoteInterval); // not taken from the ignored /usr/etc file
    }

    [Fact]
    public void Usr_etc_base_file_is_used_when_etc_has_none()
    {
        _tree.WriteUsrEtc("verifier.conf", "[verifier]\nport = 2002\n");

        Assert.Equal(2002, Load().Port);
    }

    [Fact]
    public void Snippets_override_the_base_file_usr_etc_first_then_etc_each_in_name_order()
    {
        _tree.WriteEtc("verifier.conf", "[verifier]\nport = 1\nip = 1.1.1.1\nquote_interval = 1\nmax_workers = 1\n");
        _tree.WriteUsrEtc("verifier.conf.d/20-b.conf", "[verifier]\nport = 20\nip = 2.2.2.2\n");
        _tree.WriteUsrEtc("verifier.conf.d/10-a.conf", "[verifier]\nport = 10\nquote_interval = 10\n");
        _tree.WriteEtc("verifier.conf.d/05-z.conf", "[verifier]\nport = 5\n");
        _tree.WriteEtc("verifier.conf.d/30-y.conf", "[verifier]\nport = 30\n");

        var o = Load();

        Assert.Equal(30, o.Port);            // /etc snippets come after /usr/etc, last name wins
        Assert.Equal("2.2.2.2", o.Ip);       // later /usr/etc snippet
        Assert.Equal(10, o.QuoteInterval);   // snippet over base
        Assert.Equal(1, o.MaxWorkers);       // untouched keys keep the base value
    }

    [Fact]
    public void Snippets_are_ignored_when_no_base_file_exists()
    {
        _tree.WriteEtc("verifier.conf.d/10-a.conf", "[verifier]\nport = 10\n");

        var o = Load();

        Assert.Equal(8881, o.Port);
        Assert.Empty(o.ConfigFiles);
    }

    [Fact]
    public void Environment_variable_beats_every_file()
    {
        _tree.WriteEtc("verifier.conf", "[verifier]\nmode = pull\nport = 1\n");
        _tree.WriteEtc("verifier.conf.d/10-a.conf", "[verifier]\nport = 10\n");
        _tree.Env["KEYLIME_VERIFIER_MODE"] = "push";
        _tree.Env["KEYLIME_VERIFIER_PORT"] = "4444";
        _tree.Env["KEYLIME_VERIFIER_QUOTE_INTERVAL"] = "0.5";

        var o = Load();

        Assert.Equal(VerifierMode.Push, o.Mode);
        Assert.Equal(4444, o.Port);
        Assert.Equal(0.5, o.QuoteInterval);
    }

    [Fact]
    public void Environment_variable_for_another_section_names_the_section()
    {
        _tree.WriteEtc("verifier.conf", "[verifier]\n[revocations]\nzmq_port = 1\n");
        _tree.Env["KEYLIME_VERIFIER_REVOCATIONS_ZMQ_PORT"] = "7777";

        Assert.Equal(7777, Load().ZmqPort);
    }

    [Fact]
    public void Component_config_variable_naming_a_file_replaces_base_files_and_snippets()
    {
        _tree.WriteEtc("verifier.conf", "[verifier]\nport = 1\nip = 1.1.1.1\n");
        _tree.WriteEtc("verifier.conf.d/10-a.conf", "[verifier]\nport = 10\n");
        _tree.Env["KEYLIME_VERIFIER_CONFIG"] = _tree.Write("elsewhere/v.conf", "[verifier]\nport = 9999\n");

        var o = Load();

        Assert.Equal(9999, o.Port);
        Assert.Equal("127.0.0.1", o.Ip); // not from /etc: only the named file is read
        Assert.Single(o.ConfigFiles);
    }

    [Fact]
    public void Component_config_variable_naming_a_missing_file_is_ignored()
    {
        _tree.WriteEtc("verifier.conf", "[verifier]\nport = 1\n");
        _tree.Env["KEYLIME_VERIFIER_CONFIG"] = Path.Combine(_tree.Root, "missing.conf");

        Assert.Equal(1, Load().Port);
    }

    [Fact]
    public void Environment_still_overrides_the_file_named_by_the_config_variable()
    {
        _tree.Env["KEYLIME_VERIFIER_CONFIG"] = _tree.Write("v.conf", "[verifier]\nport = 9999\n");
        _tree.Env["KEYLIME_VERIFIER_PORT"] = "1234";

        Assert.Equal(1234, Load().Port);
    }

    [Fact]
    public void Keylime_dir_comes_from_KEYLIME_DIR_or_defaults_to_var_lib_keylime()
    {
        Assert.Equal("/var/lib/keylime", Load().KeylimeDir);

        _tree.Env["KEYLIME_DIR"] = "/srv/kl";

        Assert.Equal("/srv/kl", Load().KeylimeDir);
    }

    [Fact]
    public void Registrar_reads_tpm_cert_store_from_tenant_conf_and_its_environment_variable()
    {
        _tree.WriteEtc("registrar.conf", "[registrar]\nport = 1\n");
        _tree.WriteEtc("tenant.conf", "[tenant]\ntpm_cert_store = /a/store\n");

        Assert.Equal("/a/store", RegistrarOptions.Load(_tree.Locations).TpmCertStore);

        _tree.Env["KEYLIME_TENANT_TPM_CERT_STORE"] = "/b/store";

        Assert.Equal("/b/store", RegistrarOptions.Load(_tree.Locations).TpmCertStore);
    }

    [Fact]
    public void Default_section_supplies_values_that_a_section_does_not_set()
    {
        _tree.WriteEtc("verifier.conf", "[DEFAULT]\nmax_workers = 3\nport = 1\n[verifier]\nport = 2\n");

        var o = Load();

        Assert.Equal((3, 2), (o.MaxWorkers, o.Port));
    }
}
