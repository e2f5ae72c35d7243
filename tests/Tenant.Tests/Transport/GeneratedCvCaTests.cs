using Keylime.Shared.Configuration;
using Keylime.Shared.Security;
using Keylime.Tenant.Tests.Support;

namespace Keylime.Tenant.Tests.Transport;

/// <summary>
/// The tenant with the TLS material our verifier generates (<c>tls_dir = generate</c> → $KEYLIME_DIR/cv_ca):
/// with the shipped tenant.conf defaults it presents cv_ca's client certificate and trusts cv_ca's CA.
/// The server here is still the stand-in (fake peer) using the verifier's generated server certificate.
/// </summary>
public sealed class GeneratedCvCaTests : IDisposable
{
    private readonly string _keylimeDir = Directory.CreateTempSubdirectory("keylime-tenant-cvca.").FullName;

    [Fact]
    public async Task Default_tenant_settings_work_with_the_verifiers_generated_cv_ca()
    {
        using var material = TlsMaterial.ForVerifier(new VerifierOptions { KeylimeDir = _keylimeDir, TlsDir = "generate" });
        await using var verifier = await StandInServer.StartAsync(material.ServerCertificate, material.TrustedClientCas[0]);
        verifier.Replay(Captures.Exchange("verifier.md", 8));
        verifier.Replay(Captures.Exchange("verifier.md", 9));

        var result = await TenantRun.RunAsync(new TenantOptions { KeylimeDir = _keylimeDir, VerifierPort = verifier.Port }, "-c", "cvlist");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("{\"uuids\": [[\"d432fbb3-d2f1-4a97-9ef7-75bd81c00000\"]]}", Assert.Single(result.StdoutLines));
        Assert.NotNull(verifier.Received[^1].ClientCertificateSubject);
    }

    public void Dispose() => Directory.Delete(_keylimeDir, recursive: true);
}
