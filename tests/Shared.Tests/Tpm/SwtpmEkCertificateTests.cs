using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>A freshly manufactured swtpm: its EK certificate, read from NV, carries its EK and chains to its CA.</summary>
public class SwtpmEkCertificateTests
{
    [Fact]
    public void The_nv_ek_certificate_of_a_manufactured_tpm_matches_its_persisted_ek_and_chains_to_its_ca()
    {
        using var tpm = Swtpm.Start();
        var dir = Directory.CreateTempSubdirectory("keylime-ekcert.").FullName;
        try
        {
            string F(string name) => Path.Combine(dir, name);
            tpm.Tools("tpm2_nvread", $"0x01c00002 -C o -o {F("ek.der")}");
            tpm.Tools("tpm2_readpublic", $"-c 0x81010001 -o {F("ek.pub")}");

            var cert = EkCertificates.Load(File.ReadAllBytes(F("ek.der")));
            var ek = TpmPublic.Parse(File.ReadAllBytes(F("ek.pub")));
            var store = new TpmCertStore(
            [
                X509CertificateLoader.LoadCertificateFromFile(tpm.LocalCaRootCertificate),
                X509CertificateLoader.LoadCertificateFromFile(tpm.LocalCaIssuerCertificate),
            ]);

            var result = store.Validate(cert, ek);
            Assert.True(result.IsValid, result.Message);
            Assert.Equal(EkCertificateFailure.UntrustedChain, TpmCertStore.Load(TpmVectors.Path("ca")).Validate(cert, ek).Failure);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
