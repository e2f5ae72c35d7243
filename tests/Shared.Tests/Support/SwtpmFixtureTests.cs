using Keylime.TestSupport;

namespace Keylime.Shared.Tests.Support;

public class SwtpmFixtureTests
{
    [Fact]
    public void A_manufactured_swtpm_has_the_rsa_ek_certificate_in_nv()
    {
        using var tpm = Swtpm.Start();
        var listing = tpm.Tools("tpm2_nvreadpublic", "");
        Assert.Contains("0x1c00002", listing);
        Assert.True(File.Exists(tpm.LocalCaRootCertificate));
    }
}
