using Keylime.Shared.Configuration;
using Keylime.TestSupport;

namespace Keylime.Shared.Tests.Configuration;

/// <summary>The files Keylime 2.6's templates generate load unchanged, with Keylime's values.</summary>
public sealed class KeylimeFixtureFileTests : IDisposable
{
    private readonly ConfigTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private KeylimeConfigLocations Fixture(string component)
    {
        _tree.Env[$"KEYLIME_{component.ToUpperInvariant()}_CONFIG"] = SharedData.Path("data", "keylime-conf", component + ".conf");
        return _tree.Locations;
    }

    [Fact]
    public void Verifier_conf_from_the_template_gives_Keylimes_values()
    {
        var o = VerifierOptions.Load(Fixture("verifier"));

        Assert.Equal(VerifierMode.Push, o.Mode);
        Assert.Equal(2, o.QuoteInterval);
        Assert.Equal(8881, o.Port);
        Assert.Equal("127.0.0.1", o.Ip); // quotes stripped
        Assert.Equal("default", o.Uuid);
        Assert.Equal("generate", o.TlsDir);
        Assert.Equal(["default"], o.TrustedClientCa);
        Assert.Empty(o.CertSubjectAlternativeNames);
        Assert.Equal("sqlite", o.DatabaseUrl);
        Assert.Equal((5, 10), (o.DatabasePoolSize, o.DatabaseMaxOverflow));
        Assert.True(o.AutoMigrateDb);
        Assert.Equal(16, o.MaxWorkers);
        Assert.Equal(104857600, o.MaxUploadSize);
        Assert.Equal(60.0, o.RequestTimeout);
        Assert.Empty(o.MeasuredBootImports);
        Assert.Equal(7, o.SeverityLabels.Count);
        Assert.Equal([new SeverityRule(".*", "emergency")], o.SeverityPolicy);
        Assert.Equal(1800, o.ChallengeLifetime);
        Assert.Equal(180, o.SessionLifetime);
        Assert.Equal(60, o.NonceLifetime); // absent from the template: Keylime's fallback
        Assert.True(o.ExtendTokenOnAttestation);
        Assert.False(o.AutoRecoverAttestationFailures);
        Assert.Equal((50, 60, 15, 60), (o.SessionCreateRateLimitPerIp, o.SessionCreateRateLimitWindowIp, o.SessionCreateRateLimitPerAgent, o.SessionCreateRateLimitWindowAgent));
        Assert.Equal(["agent"], o.EnabledRevocationNotifications);
        Assert.Equal(8992, o.ZmqPort);
        Assert.Equal("", o.ServerKeyPassword);
        Assert.Single(o.ConfigFiles);
    }

    [Fact]
    public void Registrar_conf_from_the_template_gives_Keylimes_values()
    {
        var o = RegistrarOptions.Load(Fixture("registrar"));

        Assert.Equal("127.0.0.1", o.Ip);
        Assert.Equal(8890, o.Port);
        Assert.Equal(8891, o.TlsPort);
        Assert.Equal("default", o.TlsDir);
        Assert.Equal("default", o.ServerKey);
        Assert.Equal("default", o.ServerCert);
        Assert.Equal(["default"], o.TrustedClientCa);
        Assert.Equal("simple", o.AuthorizationProvider);
        Assert.Equal("sqlite", o.DatabaseUrl);
        Assert.Equal(16, o.MaxWorkers);
        Assert.True(o.AutoMigrateDb);
        Assert.Equal(["ek_tpm", "aik_tpm", "ekcert"], o.DurableAttestation.SignedAttributes);
        Assert.Equal("default", o.TpmIdentity);
        Assert.Equal("warn", o.MalformedCertAction);
        Assert.Equal("json", o.DurableAttestation.PersistentStoreFormat);
        Assert.Equal(104857600, o.MaxUploadSize);
    }

    [Fact]
    public void Tenant_conf_from_the_template_gives_Keylimes_values()
    {
        var o = TenantOptions.Load(Fixture("tenant"));

        Assert.Equal("127.0.0.1", o.VerifierIp);
        Assert.Equal(8881, o.VerifierPort);
        Assert.Equal("127.0.0.1", o.RegistrarIp);
        Assert.Equal(8891, o.RegistrarPort);
        Assert.Equal("default", o.TlsDir);
        Assert.True(o.EnableAgentMtls);
        Assert.Equal(["default"], o.TrustedServerCa);
        Assert.Equal("/var/lib/keylime/tpm_cert_store", o.TpmCertStore);
        Assert.Equal(1048576, o.MaxPayloadSize);
        Assert.Equal(["sha512", "sha384", "sha256"], o.AcceptTpmHashAlgs);
        Assert.Equal(["ecc", "rsa"], o.AcceptTpmEncryptionAlgs);
        Assert.Equal(["ecschnorr", "rsassa"], o.AcceptTpmSigningAlgs);
        Assert.True(o.RequireEkCert);
        Assert.Equal(60, o.RequestTimeout);
        Assert.Equal("", o.EkCheckScript);
        Assert.Equal(5, o.MaxRetries);
    }

    [Fact]
    public void Ca_conf_from_the_template_gives_Keylimes_values()
    {
        var o = CaOptions.Load(Fixture("ca"));

        Assert.Equal("Keylime Certificate Authority", o.CertCaName);
        Assert.Equal("US", o.CertCountry);
        Assert.Equal(3650, o.CertCaLifetimeDays);
        Assert.Equal(365, o.CertLifetimeDays);
        Assert.Equal(2048, o.CertBits);
    }

    [Fact]
    public void Logging_conf_percent_formats_are_read_raw_without_interpolation()
    {
        var c = KeylimeConfig.Load("logging", Fixture("logging"));

        Assert.Equal("%(asctime)s.%(msecs)03d - %(name)s - %(levelname)s - %(message)s",
            c.Section("formatter_formatter").String("format", ""));
        Assert.Equal("(sys.stdout,)", c.Section("handler_consoleHandler").String("args", ""));
    }
}
