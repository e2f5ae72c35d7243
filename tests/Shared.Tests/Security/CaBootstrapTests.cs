using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Configuration;
using Keylime.Shared.Security;

namespace Keylime.Shared.Tests.Security;

/// <summary>tls_dir = generate / default / explicit paths (spec/verifier.md §10.2, spec/registrar.md §9.2).</summary>
[SupportedOSPlatform("linux")]
public sealed class CaBootstrapTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _dir = Directory.CreateTempSubdirectory("keylime-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private VerifierOptions Verifier(string tlsDir = "generate") =>
        new() { KeylimeDir = _dir, TlsDir = tlsDir, Ip = "10.1.2.3", CertSubjectAlternativeNames = ["verifier.example"] };

    [Fact]
    public void Generate_creates_cv_ca_with_Keylimes_file_names_and_owner_only_keys()
    {
        using var tls = TlsMaterial.ForVerifier(Verifier());
        var ca = Path.Combine(_dir, "cv_ca");

        foreach (var f in new[] { "cacert.crt", "server-cert.crt", "server-private.pem", "client-cert.crt", "client-private.pem" })
        {
            Assert.True(File.Exists(Path.Combine(ca, f)), f);
        }

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(ca, "server-private.pem")));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(ca, "client-private.pem")));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(ca, "ca-private.pem")));
        Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(ca));
        Assert.True(tls.ServerCertificate.HasPrivateKey);
        Assert.Equal([Path.Combine(ca, "cacert.crt")], TlsSettings.ForVerifier(Verifier()).TrustedClientCa);
    }

    [Fact]
    public void Generated_server_certificate_names_the_bind_ip_loopback_localhost_and_extra_sans()
    {
        using var tls = TlsMaterial.ForVerifier(Verifier());

        var san = tls.ServerCertificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var ips = san.EnumerateIPAddresses().Select(i => i.ToString()).ToList();
        var dns = san.EnumerateDnsNames().ToList();
        Assert.Contains("10.1.2.3", ips);
        Assert.Contains("127.0.0.1", ips);
        Assert.Contains("localhost", dns);
        Assert.Contains("verifier.example", dns);
    }

    [Fact]
    public void Second_start_reuses_the_generated_files()
    {
        using (TlsMaterial.ForVerifier(Verifier()))
        {
        }

        var before = Directory.GetFiles(Path.Combine(_dir, "cv_ca")).ToDictionary(f => f, File.ReadAllText);
        using var again = TlsMaterial.ForVerifier(Verifier());

        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllText(kv.Key)));
    }

    [Fact]
    public void Generated_client_certificate_is_accepted_and_a_foreign_one_refused()
    {
        using var tls = TlsMaterial.ForVerifier(Verifier());
        using var client = X509Certificate2.CreateFromPemFile(Path.Combine(_dir, "cv_ca", "client-cert.crt"), Path.Combine(_dir, "cv_ca", "client-private.pem"));
        using var other = new TestCa("Other CA");
        using var foreign = other.IssueClient("client");

        Assert.True(tls.ValidateClientCertificate(client));
        Assert.False(tls.ValidateClientCertificate(foreign));
        Assert.False(tls.ValidateClientCertificate(tls.ServerCertificate)); // serverAuth-only EKU is not a client
    }

    [Fact]
    public void Trusted_client_ca_all_accepts_any_client_certificate()
    {
        using var tls = TlsMaterial.ForVerifier(Verifier() with { TrustedClientCa = ["all"] });
        using var other = new TestCa("Other CA");
        using var foreign = other.IssueClient("client");

        Assert.True(tls.ValidateClientCertificate(foreign));
    }

    [Fact]
    public void Default_tls_dir_uses_cv_ca_and_needs_it_to_exist()
    {
        var e = Assert.Throws<KeylimeConfigException>(() => TlsMaterial.ForVerifier(Verifier("default")));
        Assert.Contains(Path.Combine(_dir, "cv_ca", "server-cert.crt"), e.Message);

        using (TlsMaterial.ForVerifier(Verifier()))
        {
        }

        using var tls = TlsMaterial.ForVerifier(Verifier("default"));
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "cv_ca", "server-cert.crt")).Trim(), tls.ServerCertificate.ExportCertificatePem().Trim());
    }

    [Fact]
    public void Registrar_generate_uses_reg_ca_without_client_files_and_still_trusts_cv_ca()
    {
        var o = new RegistrarOptions { KeylimeDir = _dir, TlsDir = "generate" };
        var settings = TlsSettings.ForRegistrar(o);
        KeylimeCa.EnsureGenerated(settings);

        Assert.True(File.Exists(Path.Combine(_dir, "reg_ca", "server-cert.crt")));
        Assert.False(File.Exists(Path.Combine(_dir, "reg_ca", "client-cert.crt")));
        Assert.Equal([Path.Combine(_dir, "cv_ca", "cacert.crt")], settings.TrustedClientCa);
    }

    [Fact]
    public void Explicit_paths_are_relative_to_tls_dir_and_absolute_ones_are_kept()
    {
        var o = new RegistrarOptions
        {
            KeylimeDir = _dir, TlsDir = "mytls", ServerCert = "srv/cert.pem", ServerKey = "/abs/key.pem", TrustedClientCa = ["a.crt", "b.crt"],
        };

        var s = TlsSettings.ForRegistrar(o);

        Assert.Equal(Path.Combine(_dir, "mytls"), s.TlsDir);
        Assert.Equal(Path.Combine(_dir, "mytls", "srv", "cert.pem"), s.ServerCert);
        Assert.Equal("/abs/key.pem", s.ServerKey);
        Assert.Equal([Path.Combine(_dir, "mytls", "a.crt"), Path.Combine(_dir, "mytls", "b.crt")], s.TrustedClientCa);
        Assert.False(s.Generate);
    }

    [Fact]
    public void Explicit_files_load_including_a_password_protected_key()
    {
        using var ca = new TestCa("Site CA");
        var tlsDir = Directory.CreateDirectory(Path.Combine(_dir, "site")).FullName;
        ca.WriteServer(Path.Combine(tlsDir, "srv.crt"), Path.Combine(tlsDir, "srv.key"), "pw");
        File.WriteAllText(Path.Combine(tlsDir, "clients.crt"), ca.Certificate.ExportCertificatePem());

        using var tls = TlsMaterial.ForVerifier(Verifier("site") with
        {
            ServerCert = "srv.crt", ServerKey = "srv.key", ServerKeyPassword = "pw", TrustedClientCa = ["clients.crt"],
        });
        using var client = ca.IssueClient("admin");

        Assert.True(tls.ServerCertificate.HasPrivateKey);
        Assert.True(tls.ValidateClientCertificate(client));
    }

    [Fact]
    public void Generate_with_explicit_server_files_is_a_configuration_error()
    {
        var e = Assert.Throws<KeylimeConfigException>(() => TlsSettings.ForVerifier(Verifier() with { ServerCert = "mine.crt" }));

        Assert.Contains("[verifier] tls_dir = 'generate' requires server_cert and server_key to be 'default'", e.Message);
    }
}
