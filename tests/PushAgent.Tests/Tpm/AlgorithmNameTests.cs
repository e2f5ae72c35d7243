using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Tpm;

/// <summary>agent.conf's tpm_* options in Keylime's and rust-keylime's spellings.</summary>
public class AlgorithmNameTests
{
    [Theory]
    [InlineData("rsa", TpmAlg.Rsa)]
    [InlineData("rsa2048", TpmAlg.Rsa)]
    [InlineData("ecc", TpmAlg.Ecc)]
    [InlineData("ECC256", TpmAlg.Ecc)]
    [InlineData("ecc_nist_p256", TpmAlg.Ecc)]
    public void Ek_types_accept_rust_keylime_spellings(string name, TpmAlg type) =>
        Assert.Equal(type, TpmAlgorithms.ParseKeyType(name));

    [Theory]
    [InlineData("ecc384")]
    [InlineData("rsa3072")]
    public void Ek_types_without_a_low_range_template_are_refused_by_name(string name) =>
        Assert.Contains(name, Assert.Throws<ArgumentException>(() => TpmAlgorithms.ParseKeyType(name)).Message);

    [Theory]
    [InlineData("rsassa", TpmAlg.RsaSsa)]
    [InlineData("rsapss", TpmAlg.RsaPss)]
    [InlineData("ecdsa", TpmAlg.EcDsa)]
    public void Signing_schemes_parse(string name, TpmAlg scheme)
    {
        Assert.Equal(scheme, TpmAlgorithms.ParseSignScheme(name));
        Assert.Equal(name, TpmAlgorithms.Name(scheme));
    }

    [Theory]
    [InlineData("sha1", TpmAlg.Sha1)]
    [InlineData("sha256", TpmAlg.Sha256)]
    [InlineData("sha384", TpmAlg.Sha384)]
    [InlineData("sha512", TpmAlg.Sha512)]
    public void Hashes_parse_and_print_in_keylime_spelling(string name, TpmAlg hash)
    {
        Assert.Equal(hash, TpmAlgorithms.ParseHash(name));
        Assert.Equal(name, TpmAlgorithms.Name(hash));
    }

    [Fact]
    public void An_ecdsa_scheme_needs_an_ecc_key_and_rsa_schemes_an_rsa_key()
    {
        Assert.Equal(TpmAlg.Ecc, TpmAlgorithms.KeyTypeOf(TpmAlg.EcDsa));
        Assert.Equal(TpmAlg.Rsa, TpmAlgorithms.KeyTypeOf(TpmAlg.RsaPss));
        Assert.Throws<ArgumentException>(() => TpmAlgorithms.KeyTypeOf(TpmAlg.EcSchnorr));
    }
}
