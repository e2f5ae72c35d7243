using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

public class AkPolicyTests
{
    [Theory]
    [InlineData("ak/ak_rsa.pub")]
    [InlineData("ak/ak_ecc.pub")]
    [InlineData("ak/ak_rsapss.pub")]
    [InlineData("ak/ak_rsa_sha1.pub")]
    [InlineData("raw/raw_ak.pub")]
    public void Tpm2_tools_and_keylime_aks_are_allowed(string file)
    {
        var result = AkPolicy.Check(TpmPublic.Parse(TpmVectors.Bytes(file)));
        Assert.True(result.IsAllowed, result.Message);
    }

    [Fact]
    public void An_endorsement_key_is_not_an_ak()
    {
        var result = AkPolicy.Check(TpmPublic.Parse(TpmVectors.Bytes("ek/ek_rsa.pub")));
        Assert.Equal(AkPolicyFailure.NotSigning, result.Failure);
    }

    [Theory]
    [InlineData(TpmObjectAttributes.Restricted, AkPolicyFailure.NotRestricted)]
    [InlineData(TpmObjectAttributes.Sign, AkPolicyFailure.NotSigning)]
    [InlineData(TpmObjectAttributes.FixedTpm, AkPolicyFailure.NotFixedTpm)]
    [InlineData(TpmObjectAttributes.FixedParent, AkPolicyFailure.NotFixedParent)]
    [InlineData(TpmObjectAttributes.SensitiveDataOrigin, AkPolicyFailure.NotSensitiveDataOrigin)]
    public void An_ak_missing_a_required_attribute_is_refused_naming_it(TpmObjectAttributes missing, AkPolicyFailure expected)
    {
        var ak = WithAttributes(TpmPublic.Parse(TpmVectors.Bytes("ak/ak_rsa.pub")), a => a & ~missing);
        Assert.Equal(expected, AkPolicy.Check(ak).Failure);
    }

    [Fact]
    public void A_signing_key_that_can_also_decrypt_is_refused()
    {
        var ak = WithAttributes(TpmPublic.Parse(TpmVectors.Bytes("ak/ak_rsa.pub")), a => a | TpmObjectAttributes.Decrypt);
        Assert.Equal(AkPolicyFailure.Decrypt, AkPolicy.Check(ak).Failure);
    }

    private static TpmPublic WithAttributes(TpmPublic ak, Func<TpmObjectAttributes, TpmObjectAttributes> change)
    {
        var bytes = ak.ToTpmtBytes().ToArray();
        var attributes = (uint)change(ak.Attributes);
        bytes[4] = (byte)(attributes >> 24);
        bytes[5] = (byte)(attributes >> 16);
        bytes[6] = (byte)(attributes >> 8);
        bytes[7] = (byte)attributes;
        return TpmPublic.ParseTpmt(bytes);
    }
}
