using System.Security.Cryptography;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Tpm;

public class AttestationKeyTests : IClassFixture<SwtpmTpmFixture>
{
    private static readonly int[] AllPcrs = Enumerable.Range(0, 24).ToArray();
    private readonly SwtpmTpmFixture _fx;

    public AttestationKeyTests(SwtpmTpmFixture fx) => _fx = fx;

    [Theory]
    [InlineData(TpmAlg.RsaSsa, TpmAlg.Sha256)]
    [InlineData(TpmAlg.RsaPss, TpmAlg.Sha256)]
    [InlineData(TpmAlg.EcDsa, TpmAlg.Sha256)]
    [InlineData(TpmAlg.RsaSsa, TpmAlg.Sha1)]
    public void A_quote_verifies_with_dotnet_crypto_and_covers_the_nonce_and_pcr_values(TpmAlg scheme, TpmAlg hash)
    {
        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(hash, scheme, null);
        var nonce = RandomNumberGenerator.GetBytes(20);

        var quote = tpm.Quote(nonce, PcrSelection.Of(hash, AllPcrs));

        Assert.True(AttestCheck.SignatureVerifies(ak.Public, quote.Attest, quote.Signature));
        var fields = AttestCheck.Fields(quote.Attest);
        Assert.Equal(Tpm2Tag.AttestQuote, fields.Type);
        Assert.Equal(nonce, fields.ExtraData);
        Assert.True(fields.ClockInfo.Safe);
        Assert.Equal(24, quote.Pcrs.Values.Count);
        Assert.All(quote.Pcrs.Values, v => Assert.Equal(TpmHash.DigestSize(hash), v.Digest.Length));
        Assert.Equal(TpmHash.Hash(hash, quote.Pcrs.Values.SelectMany(v => v.Digest).ToArray()), TpmsAttest.Parse(quote.Attest).Quote!.PcrDigest);
        Assert.Equal(KeyTemplates.AkAttributes, TpmPublic.Parse(ak.Public).Attributes);
        Assert.Equal(scheme, TpmPublic.Parse(ak.Public).Scheme);
    }

    [Theory]
    [InlineData(TpmAlg.RsaSsa, "rsa")]
    [InlineData(TpmAlg.EcDsa, "ecc")]
    public void A_quote_passes_tpm2_checkquote_with_the_nonce_and_pcr_file(TpmAlg scheme, string name)
    {
        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, scheme, null);
        var nonce = RandomNumberGenerator.GetBytes(20);
        int[] pcrs = [0, 7, 10, 16];
        var quote = tpm.Quote(nonce, PcrSelection.Of(TpmAlg.Sha256, pcrs));

        File.WriteAllBytes(_fx.File($"{name}.pub"), ak.Public);
        File.WriteAllBytes(_fx.File($"{name}.attest"), quote.Attest);
        File.WriteAllBytes(_fx.File($"{name}.sig"), quote.Signature);
        File.WriteAllBytes(_fx.File($"{name}.pcrs"), quote.Pcrs.ToSubjectData());
        var output = _fx.Swtpm.Tools("tpm2_checkquote",
            $"-u {_fx.File($"{name}.pub")} -m {_fx.File($"{name}.attest")} -s {_fx.File($"{name}.sig")} " +
            $"-f {_fx.File($"{name}.pcrs")} -g sha256 -q {Convert.ToHexStringLower(nonce)}");
        Assert.Contains("sha256", output);
    }

    [Fact]
    public void Tpm2_checkquote_rejects_a_quote_checked_against_another_nonce()
    {
        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, null);
        var quote = tpm.Quote("nonce-one"u8, PcrSelection.Of(TpmAlg.Sha256, 0));
        File.WriteAllBytes(_fx.File("neg.pub"), ak.Public);
        File.WriteAllBytes(_fx.File("neg.attest"), quote.Attest);
        File.WriteAllBytes(_fx.File("neg.sig"), quote.Signature);
        Assert.Throws<InvalidOperationException>(() => _fx.Swtpm.Tools("tpm2_checkquote",
            $"-u {_fx.File("neg.pub")} -m {_fx.File("neg.attest")} -s {_fx.File("neg.sig")} -g sha256 -q {Convert.ToHexStringLower("nonce-two"u8)}"));
    }

    [Theory]
    [InlineData(TpmAlg.RsaSsa)]
    [InlineData(TpmAlg.EcDsa)]
    public void The_ak_certifies_itself_over_the_qualifying_data(TpmAlg scheme)
    {
        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, scheme, null);
        var challenge = RandomNumberGenerator.GetBytes(16);

        var certify = tpm.Certify(challenge);

        Assert.True(AttestCheck.SignatureVerifies(ak.Public, certify.Attest, certify.Signature));
        var fields = AttestCheck.Fields(certify.Attest);
        Assert.Equal(Tpm2Tag.AttestCertify, fields.Type);
        Assert.Equal(challenge, fields.ExtraData);
        Assert.Equal(ak.Name, fields.Certify!.Name);
        Assert.Equal(TpmPublic.Parse(ak.Public).Name, ak.Name);
    }

    [Fact]
    public void A_quote_of_an_unallocated_bank_is_refused_by_the_tpm()
    {
        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, null);
        Assert.Throws<TpmTransportException>(() => tpm.Quote("n"u8, PcrSelection.Of(TpmAlg.Sha384, 0)));
    }

    [Fact]
    public void An_ak_needs_an_ek_first()
    {
        using var tpm = _fx.OpenTpm();
        Assert.Throws<InvalidOperationException>(() => tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, null));
    }
}
