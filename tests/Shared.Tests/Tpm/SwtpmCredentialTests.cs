using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>Our MakeCredential against a real TPM: tpm2_activatecredential must recover the secret.</summary>
public class SwtpmCredentialTests
{
    [Theory]
    [InlineData("rsa", "rsa")]
    [InlineData("ecc", "ecc")]
    [InlineData("ecc", "rsa")]
    public void A_real_tpm_activates_our_credential_blob(string ekType, string akType)
    {
        using var tpm = Swtpm.Start(manufacture: false);
        var dir = Directory.CreateTempSubdirectory("keylime-mc.").FullName;
        try
        {
            string F(string name) => Path.Combine(dir, name);
            tpm.Tools("tpm2_createek", $"-c {F("ek.ctx")} -G {ekType} -u {F("ek.pub")}");
            tpm.Tools("tpm2_flushcontext", "-t");
            tpm.Tools("tpm2_createak", $"-C {F("ek.ctx")} -c {F("ak.ctx")} -G {akType} -g sha256 -s {(akType == "rsa" ? "rsassa" : "ecdsa")} -u {F("ak.pub")} -n {F("ak.name")}");
            tpm.Tools("tpm2_flushcontext", "-t");

            var ek = TpmPublic.Parse(File.ReadAllBytes(F("ek.pub")));
            var ak = TpmPublic.Parse(File.ReadAllBytes(F("ak.pub")));
            Assert.Equal(File.ReadAllBytes(F("ak.name")), ak.Name);
            var secret = MakeCredential.NewKeylimeCredential();
            File.WriteAllBytes(F("blob"), MakeCredential.Create(ek, ak.Name, secret).ToBytes());

            tpm.Tools("tpm2_startauthsession", $"--policy-session -S {F("session.ctx")}");
            tpm.Tools("tpm2_policysecret", $"-S {F("session.ctx")} -c e");
            tpm.Tools("tpm2_activatecredential", $"-c {F("ak.ctx")} -C {F("ek.ctx")} -i {F("blob")} -o {F("out")} -P session:{F("session.ctx")}");

            Assert.Equal(secret, File.ReadAllBytes(F("out")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_real_tpm_refuses_a_blob_bound_to_another_name()
    {
        using var tpm = Swtpm.Start(manufacture: false);
        var dir = Directory.CreateTempSubdirectory("keylime-mc.").FullName;
        try
        {
            string F(string name) => Path.Combine(dir, name);
            tpm.Tools("tpm2_createek", $"-c {F("ek.ctx")} -G rsa -u {F("ek.pub")}");
            tpm.Tools("tpm2_flushcontext", "-t");
            tpm.Tools("tpm2_createak", $"-C {F("ek.ctx")} -c {F("ak.ctx")} -G rsa -g sha256 -s rsassa -u {F("ak.pub")} -n {F("ak.name")}");
            tpm.Tools("tpm2_flushcontext", "-t");

            var ek = TpmPublic.Parse(File.ReadAllBytes(F("ek.pub")));
            var otherName = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_ecc.pub")).Name;
            File.WriteAllBytes(F("blob"), MakeCredential.Create(ek, otherName, "0123456789abcdef"u8).ToBytes());

            tpm.Tools("tpm2_startauthsession", $"--policy-session -S {F("session.ctx")}");
            tpm.Tools("tpm2_policysecret", $"-S {F("session.ctx")} -c e");
            var error = Assert.Throws<InvalidOperationException>(() =>
                tpm.Tools("tpm2_activatecredential", $"-c {F("ak.ctx")} -C {F("ek.ctx")} -i {F("blob")} -o {F("out")} -P session:{F("session.ctx")}"));
            Assert.Contains("0x1df", error.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>
/// Storage keys beyond the low-range EKs (SHA-384 nameAlg, AES-256, P-384, RSA-3072): a password-authorised
/// restricted decryption primary in the endorsement hierarchy stands in for an EK, so the test needs no
/// PolicyOR session, and exercises the same MakeCredential arithmetic.
/// </summary>
public class SwtpmCredentialAlgorithmTests
{
    [Theory]
    [InlineData("ecc384:aes256cfb", "sha384")]
    [InlineData("ecc256:aes256cfb", "sha256")]
    [InlineData("rsa3072:aes256cfb", "sha384")]
    [InlineData("rsa2048:aes128cfb", "sha512")]
    public void A_real_tpm_activates_our_blob_for_other_storage_key_algorithms(string algorithm, string nameAlg)
    {
        using var tpm = Swtpm.Start(manufacture: false);
        var dir = Directory.CreateTempSubdirectory("keylime-mc.").FullName;
        try
        {
            string F(string name) => Path.Combine(dir, name);
            tpm.Tools("tpm2_createprimary",
                $"-C e -G {algorithm} -g {nameAlg} -a fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt -c {F("ek.ctx")}");
            tpm.Tools("tpm2_readpublic", $"-c {F("ek.ctx")} -o {F("ek.pub")}");
            tpm.Tools("tpm2_flushcontext", "-t");
            tpm.Tools("tpm2_create",
                $"-C {F("ek.ctx")} -G rsa2048:rsassa-sha256:null -a fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign -u {F("ak.pub")} -r {F("ak.priv")}");
            tpm.Tools("tpm2_flushcontext", "-t");
            tpm.Tools("tpm2_load", $"-C {F("ek.ctx")} -u {F("ak.pub")} -r {F("ak.priv")} -c {F("ak.ctx")}");
            tpm.Tools("tpm2_flushcontext", "-t");

            var ek = TpmPublic.Parse(File.ReadAllBytes(F("ek.pub")));
            var ak = TpmPublic.Parse(File.ReadAllBytes(F("ak.pub")));
            Assert.True(AkPolicy.Check(ak).IsAllowed);
            var secret = MakeCredential.NewKeylimeCredential();
            File.WriteAllBytes(F("blob"), MakeCredential.Create(ek, ak.Name, secret).ToBytes());

            tpm.Tools("tpm2_activatecredential", $"-c {F("ak.ctx")} -C {F("ek.ctx")} -i {F("blob")} -o {F("out")}");

            Assert.Equal(secret, File.ReadAllBytes(F("out")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
