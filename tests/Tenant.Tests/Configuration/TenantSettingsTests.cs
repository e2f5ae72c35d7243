using Keylime.Shared.Configuration;
using Keylime.Tenant.Cli;
using Keylime.Tenant.Configuration;
using Keylime.TestSupport;

namespace Keylime.Tenant.Tests.Configuration;

/// <summary>tenant.conf read by Keylime's rules (web_util.get_tls_options for the client side) plus command-line overrides.</summary>
public sealed class TenantSettingsTests : IDisposable
{
    private readonly string _keylimeDir = Directory.CreateTempSubdirectory("keylime-tenant-settings.").FullName;

    private TenantSettings Load(TenantArguments args, Dictionary<string, string>? env = null)
    {
        var environment = new Dictionary<string, string>(env ?? [])
        {
            ["KEYLIME_TENANT_CONFIG"] = SharedData.Path("data", "keylime-conf", "tenant.conf"),
            ["KEYLIME_DIR"] = _keylimeDir,
        };
        var locations = new KeylimeConfigLocations(Path.Combine(_keylimeDir, "etc"), Path.Combine(_keylimeDir, "usr-etc"), environment);
        return TenantSettings.Load(args, locations);
    }

    [Fact]
    public void The_shipped_tenant_conf_uses_the_verifiers_cv_ca_for_client_identity_and_trust()
    {
        var s = Load(new TenantArguments());

        Assert.Equal(("127.0.0.1", "8881", "127.0.0.1", "8891"), (s.VerifierIp, s.VerifierPort, s.RegistrarIp, s.RegistrarPort));
        Assert.Equal(Path.Combine(_keylimeDir, "cv_ca", "client-cert.crt"), s.ClientCertFile);
        Assert.Equal(Path.Combine(_keylimeDir, "cv_ca", "client-private.pem"), s.ClientKeyFile);
        Assert.Null(s.ClientKeyPassword);
        Assert.Equal([Path.Combine(_keylimeDir, "cv_ca", "cacert.crt")], s.TrustedServerCaFiles);
        Assert.True(s.VerifyServerCertificate);
        Assert.Equal("/var/lib/keylime/tpm_cert_store", s.TpmCertStore);
        Assert.True(s.RequireEkCert);
        Assert.Equal(["sha512", "sha384", "sha256"], s.AcceptTpmHashAlgs);
        Assert.Equal(["ecschnorr", "rsassa"], s.AcceptTpmSigningAlgs);
        Assert.Equal(TimeSpan.FromSeconds(60), s.RequestTimeout);
    }

    [Fact]
    public void Command_line_addresses_override_the_configuration()
    {
        var s = Load(new TenantArguments { VerifierIp = "10.0.0.1", VerifierPort = "18881", RegistrarIp = "10.0.0.2", RegistrarPort = "18891", VerifierId = "v1" });

        Assert.Equal(("10.0.0.1", "18881", "10.0.0.2", "18891", "v1"), (s.VerifierIp, s.VerifierPort, s.RegistrarIp, s.RegistrarPort, s.VerifierId));
    }

    [Fact]
    public void Keylime_tenant_environment_variables_override_the_file()
    {
        var s = Load(new TenantArguments(), new Dictionary<string, string> { ["KEYLIME_TENANT_VERIFIER_PORT"] = "9999", ["KEYLIME_TENANT_REQUIRE_EK_CERT"] = "False" });

        Assert.Equal("9999", s.VerifierPort);
        Assert.False(s.RequireEkCert);
    }

    [Fact]
    public void An_explicit_tls_dir_is_relative_to_keylime_dir_and_names_files_in_it()
    {
        var s = TenantSettings.From(
            new TenantOptions { KeylimeDir = _keylimeDir, TlsDir = "tenant-tls", ClientCert = "me.crt", ClientKey = "me.key", TrustedServerCa = ["ca1.crt", "/abs/ca2.crt"] },
            new TenantArguments());

        var tls = Path.Combine(_keylimeDir, "tenant-tls");
        Assert.Equal(Path.Combine(tls, "me.crt"), s.ClientCertFile);
        Assert.Equal(Path.Combine(tls, "me.key"), s.ClientKeyFile);
        Assert.Equal([Path.Combine(tls, "ca1.crt"), "/abs/ca2.crt"], s.TrustedServerCaFiles);
    }

    [Fact]
    public void Trusted_server_ca_all_disables_server_verification()
    {
        var s = TenantSettings.From(new TenantOptions { KeylimeDir = _keylimeDir, TrustedServerCa = ["all"] }, new TenantArguments());

        Assert.False(s.VerifyServerCertificate);
        Assert.Empty(s.TrustedServerCaFiles);
    }

    [Fact]
    public void An_invalid_option_is_a_one_line_failure()
    {
        var e = Assert.Throws<TenantException>(() => Load(new TenantArguments(), new Dictionary<string, string> { ["KEYLIME_TENANT_VERIFIER_PORT"] = "eighty" }));

        Assert.Contains("verifier_port", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    public void Dispose() => Directory.Delete(_keylimeDir, recursive: true);
}
