using Keylime.Registrar.Tests.Support;
using Keylime.TestSupport;

namespace Keylime.Registrar.Tests.RealTpm;

/// <summary>
/// A manufactured swtpm plus a registrar process whose tpm_cert_store holds swtpm's local CA
/// (root and issuer), so EK certificates are checked for key and chain like a deployment would.
/// </summary>
public sealed class SwtpmRegistrarFixture : IDisposable
{
    public SwtpmRegistrarFixture()
    {
        Tpm = Swtpm.Start();
        var store = Directory.CreateDirectory(Path.Combine(Tpm.Directory, "tpm_cert_store")).FullName;
        File.Copy(Tpm.LocalCaRootCertificate, Path.Combine(store, "swtpm-localca-rootca.pem"));
        File.Copy(Tpm.LocalCaIssuerCertificate, Path.Combine(store, "swtpm-localca.pem"));
        Registrar = RegistrarProcess.Start(DatabaseKind.Sqlite, new Dictionary<string, string>
        {
            ["KEYLIME_TENANT_TPM_CERT_STORE"] = store,
        });
    }

    public Swtpm Tpm { get; }

    public RegistrarProcess Registrar { get; }

    public void Dispose()
    {
        Registrar.Dispose();
        Tpm.Dispose();
    }
}
