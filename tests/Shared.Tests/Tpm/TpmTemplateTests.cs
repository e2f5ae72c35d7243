using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

public class TpmTemplateTests
{
    [Fact]
    public void The_rsa_ek_template_is_the_vector_ek_without_its_key()
    {
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_rsa.pub"));
        var template = TpmTemplates.EkRsa2048;
        Assert.Equal(ek.Attributes, template.Attributes);
        Assert.Equal(ek.AuthPolicy, template.AuthPolicy);
        Assert.Equal(ek.Symmetric, template.Symmetric);
        Assert.Equal(ek.ToTpmtBytes().Length, template.ToTpmtBytes().Length);
        Assert.Equal(ek.ToTpmtBytes().AsSpan(0, 40).ToArray(), template.ToTpmtBytes().AsSpan(0, 40).ToArray());
    }

    [Fact]
    public void The_ecc_ek_template_has_the_l2_fields()
    {
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_ecc.pub"));
        var template = TpmTemplates.EkEccP256;
        var a = ek.ToTpmtBytes();
        var b = template.ToTpmtBytes();
        Assert.Equal(a.Length, b.Length);
        Assert.Equal(a.AsSpan(0, a.Length - 68).ToArray(), b.AsSpan(0, b.Length - 68).ToArray());
    }

    [Fact]
    public void The_rsa_ak_template_matches_the_spec_bytes()
    {
        Assert.Equal("0001000b00050072000000100014000b0800000000000000",
            Convert.ToHexStringLower(TpmTemplates.AkRsa2048().ToTpmtBytes()));
        Assert.True(AkPolicy.Check(TpmPublic.Parse(TpmVectors.Bytes("ak/ak_ecc.pub"))).IsAllowed);
        Assert.Equal(TpmTemplates.AkAttributes, TpmPublic.Parse(TpmVectors.Bytes("ak/ak_ecc.pub")).Attributes);
    }

    [Fact]
    public void A_tpm2b_public_inside_a_response_is_read_in_place()
    {
        var pub = TpmVectors.Bytes("ak/ak_rsa.pub");
        byte[] response = [.. pub, 0x00, 0x22, .. TpmPublic.Parse(pub).Name];
        var reader = new TpmReader(response);
        var parsed = TpmPublic.ReadSized(ref reader);
        Assert.Equal(parsed.Name, reader.ReadSized().ToArray());
        reader.ExpectEnd("response");
    }
}
