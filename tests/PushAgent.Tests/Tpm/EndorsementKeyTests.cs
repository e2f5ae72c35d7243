using System.Security.Cryptography.X509Certificates;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Tpm;

public class EndorsementKeyTests : IClassFixture<SwtpmTpmFixture>
{
    private readonly SwtpmTpmFixture _fx;

    public EndorsementKeyTests(SwtpmTpmFixture fx) => _fx = fx;

    [Theory]
    [InlineData(TpmAlg.Rsa, "rsa")]
    [InlineData(TpmAlg.Ecc, "ecc")]
    public void The_ek_from_the_tcg_template_equals_what_tpm2_createek_makes(TpmAlg type, string tool)
    {
        var file = _fx.File($"ek_{tool}.pub");
        _fx.Swtpm.Tools("tpm2_createek", $"-G {tool} -u {file} -c {_fx.File($"ek_{tool}.ctx")}");
        _fx.FlushTransients();

        using var tpm = _fx.OpenTpm();
        var ek = tpm.LoadEndorsementKey(type);

        Assert.Equal(File.ReadAllBytes(file), ek.Public);
        Assert.Equal(TpmPublic.Parse(ek.Public).Name, ek.Name);
    }

    [Fact]
    public void The_rsa_ek_certificate_read_from_nv_equals_tpm2_nvread_and_certifies_the_ek()
    {
        var file = _fx.File("ek_cert.der");
        _fx.Swtpm.Tools("tpm2_nvread", $"0x01c00002 -o {file}");

        using var tpm = _fx.OpenTpm();
        var ek = tpm.LoadEndorsementKey(TpmAlg.Rsa);

        Assert.NotNull(ek.Certificate);
        Assert.Equal(File.ReadAllBytes(file), ek.Certificate);
        using var cert = X509CertificateLoader.LoadCertificate(ek.Certificate);
        Assert.Equal(cert.PublicKey.ExportSubjectPublicKeyInfo(), TpmPublic.Parse(ek.Public).ToSubjectPublicKeyInfo());
    }

    [Fact]
    public void An_ecc_ek_without_a_certificate_in_nv_has_a_null_certificate()
    {
        using var tpm = _fx.OpenTpm();
        var ek = tpm.LoadEndorsementKey(TpmAlg.Ecc);
        Assert.Null(ek.Certificate);
        Assert.Equal(TpmAlg.Ecc, TpmPublic.Parse(ek.Public).Type);
    }

    [Fact]
    public void The_ek_certificate_is_read_in_chunks_of_the_nv_buffer_size()
    {
        using var tpm = new TpmCommands(new SwtpmTransport("127.0.0.1", _fx.Swtpm.Port));
        var nv = tpm.NvReadPublic(KeyTemplates.RsaEkCertificateIndex);
        var whole = tpm.NvReadAll(KeyTemplates.RsaEkCertificateIndex);
        var first = tpm.NvRead(KeyTemplates.RsaEkCertificateIndex, 100, 0);
        var second = tpm.NvRead(KeyTemplates.RsaEkCertificateIndex, 100, 100);
        Assert.Equal(nv.DataSize, whole.Length);
        Assert.Equal(whole[..200], first.Concat(second).ToArray());
        Assert.Equal(0x62072001u, nv.Attributes);
    }

    [Fact]
    public void Rederiving_the_ek_gives_the_same_key_as_the_one_swtpm_setup_persisted()
    {
        using var tpm = _fx.OpenTpm();
        var ek = tpm.LoadEndorsementKey(TpmAlg.Rsa);
        Assert.Equal(tpm.Commands.ReadPublic(0x81010001).Public, ek.Public);
    }
}
