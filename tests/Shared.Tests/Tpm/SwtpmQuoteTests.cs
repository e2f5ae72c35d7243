using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>Fresh tpm2_quote output from a real TPM verifies, and a second quote advances the clock.</summary>
public class SwtpmQuoteTests
{
    [Theory]
    [InlineData("rsa", "rsassa")]
    [InlineData("ecc", "ecdsa")]
    [InlineData("rsa", "rsapss")]
    public void Quotes_from_a_real_tpm_verify_and_chain_their_clock(string keyType, string scheme)
    {
        using var tpm = Swtpm.Start(manufacture: false);
        var dir = Directory.CreateTempSubdirectory("keylime-quote.").FullName;
        try
        {
            string F(string name) => Path.Combine(dir, name);
            tpm.Tools("tpm2_createek", $"-c {F("ek.ctx")} -G rsa -u {F("ek.pub")}");
            tpm.Tools("tpm2_flushcontext", "-t");
            tpm.Tools("tpm2_createak", $"-C {F("ek.ctx")} -c {F("ak.ctx")} -G {keyType} -g sha256 -s {scheme} -u {F("ak.pub")} -n {F("ak.name")}");
            tpm.Tools("tpm2_flushcontext", "-t");
            tpm.Tools("tpm2_pcrextend", "10:sha256=" + new string('a', 64));
            var verifier = QuoteVerifier.ForAk(File.ReadAllBytes(F("ak.pub")));
            var selection = PcrSelection.FromKeylimeMask(TpmAlg.Sha256, 0x10481);

            QuoteVerification Quote(string nonceHex, TpmClockInfo? previous)
            {
                tpm.Tools("tpm2_quote",
                    $"-c {F("ak.ctx")} -l sha256:0,7,10,16 -q {nonceHex} -g sha256 --scheme {scheme} -m {F("msg")} -s {F("sig")} -o {F("pcrs")} -F serialized");
                tpm.Tools("tpm2_flushcontext", "-t");
                var quote = new KeylimeQuote(File.ReadAllBytes(F("msg")), File.ReadAllBytes(F("sig")), File.ReadAllBytes(F("pcrs")));
                return verifier.Verify(quote, Convert.FromHexString(nonceHex),
                    new QuoteExpectations { HashAlgorithm = TpmAlg.Sha256, Selection = selection, PreviousClock = previous });
            }

            var first = Quote("00112233445566778899aabbccddeeff", null);
            Assert.True(first.IsValid, $"{first.FailedCheck}: {first.Message}");
            Assert.Equal(Convert.FromHexString(new string('a', 64)).Length, first.Pcrs!.Get(TpmAlg.Sha256, 10)!.Length);
            Thread.Sleep(20);
            var second = Quote("ffeeddccbbaa99887766554433221100", first.ClockInfo);
            Assert.True(second.IsValid, $"{second.FailedCheck}: {second.Message}");
            Assert.Equal(TpmCheck.Clock, verifier.Verify(
                new KeylimeQuote(File.ReadAllBytes(F("msg")), File.ReadAllBytes(F("sig")), File.ReadAllBytes(F("pcrs"))),
                Convert.FromHexString("ffeeddccbbaa99887766554433221100"),
                new QuoteExpectations { PreviousClock = second.ClockInfo }).FailedCheck);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
