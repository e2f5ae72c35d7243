using CsCheck;
using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>
/// Property: for any byte string — random, a truncated real structure, a real structure with flipped
/// bytes or forged size fields — every parser either succeeds or throws <see cref="TpmFormatException"/>,
/// and never allocates much more than its input (a forged length must not become a huge buffer).
/// </summary>
public class ParserRobustnessTests
{
    private const long Iterations = 10_000;

    public static TheoryData<string> Parsers => new(Cases.Keys);

    private static readonly Dictionary<string, (Action<byte[]> Parse, string[] Seeds)> Cases = new()
    {
        ["TpmPublic.Parse"] = (b => TpmPublic.Parse(b), ["ak/ak_rsa.pub", "ak/ak_ecc.pub", "ek/ek_ecc384_persistent_81010016.pub"]),
        ["TpmPublic.ParseTpmt"] = (b => TpmPublic.ParseTpmt(b), ["ak/ak_rsapss.pub", "ek/ek_rsa.pub"]),
        ["TpmPublic.ParseAny"] = (b => TpmPublic.ParseAny(b), ["ak/ak_ecc.pub", "ek/ek_ecc.pub"]),
        ["TpmPublic keys"] = (b => TpmPublic.ParseAny(b).ToAsymmetricAlgorithm().Dispose(), ["ak/ak_rsa.pub", "ak/ak_ecc.pub", "ek/ek_ecc.pub"]),
        ["TpmsAttest.Parse"] = (b => TpmsAttest.Parse(b), ["quote/q_rsa_multibank.attest", "certify/certify_ecc_self.attest"]),
        ["TpmSignature.Parse"] = (b => TpmSignature.Parse(b), ["quote/q_rsa_sha256_all.sig", "quote/q_ecc_sha256_all.sig"]),
        ["PcrSelection.Parse"] = (b => PcrSelection.Parse(b), []),
        ["PcrValues.ParseSubjectData"] = (b => PcrValues.ParseSubjectData(b), ["quote/q_rsa_multibank.pcrs", "quote/q_rsa_keylime_mask.pcrs"]),
        ["CredentialBlob.Parse"] = (b => CredentialBlob.Parse(b), ["credential/mc_rsa_tools.blob", "credential/mc_ecc_host.blob"]),
        ["EkCertificates.Load"] = (b => EkCertificates.Load(b), ["ek/ek_ecc_cert.der"]),
    };

    [Theory]
    [MemberData(nameof(Parsers))]
    public void Any_input_parses_or_raises_only_the_typed_format_error(string parser)
    {
        var (parse, seedFiles) = Cases[parser];
        var seeds = seedFiles.Select(TpmVectors.Bytes).ToArray();
        if (parser == "PcrSelection.Parse")
        {
            seeds = [TpmsAttest.Parse(TpmVectors.Bytes("quote/q_rsa_multibank.attest")).Quote!.PcrSelect.ToBytes()];
        }

        Inputs(seeds).Sample(input =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                parse(input);
            }
            catch (TpmFormatException)
            {
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 256 * 1024 + 16L * input.Length, $"{parser} allocated {allocated} bytes for {input.Length} input bytes");
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Quote_verification_of_any_evidence_returns_a_verdict_and_never_throws()
    {
        var verifier = QuoteVerifier.ForAk(TpmVectors.Bytes("ak/ak_rsa.pub"));
        var attest = TpmVectors.Bytes("quote/q_rsa_sha256_all.attest");
        var sig = TpmVectors.Bytes("quote/q_rsa_sha256_all.sig");
        var pcrs = TpmVectors.Bytes("quote/q_rsa_sha256_all.pcrs");
        Gen.Select(Inputs([attest]), Inputs([sig]), Inputs([pcrs])).Sample((a, s, p) =>
        {
            var result = verifier.Verify(a, s, p, "NonceRsaSha256All001"u8);
            Assert.NotNull(result);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Certify_verification_of_any_evidence_returns_a_verdict_and_never_throws()
    {
        var verifier = CertifyVerifier.ForKey(TpmVectors.Bytes("ak/ak_ecc.pub"));
        var attest = TpmVectors.Bytes("certify/certify_ecc_self.attest");
        var sig = TpmVectors.Bytes("certify/certify_ecc_self.sig");
        Gen.Select(Inputs([attest]), Inputs([sig])).Sample((a, s) =>
        {
            Assert.NotNull(verifier.VerifySelfCertification(a, s, "CertifyQualifyingData03"u8));
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Any_quote_string_parses_or_raises_only_the_typed_format_error()
    {
        var real = TpmVectors.Text("quote/q_ecc_sha256_all.keylime.txt").Trim();
        var chars = Gen.Char["rc:=+/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 \n"];
        var random = chars.Array[0, 200].Select(c => new string(c));
        var truncated = Gen.Int[0, real.Length].Select(n => real[..n]);
        var mutated = Gen.Select(Gen.Int[0, real.Length - 1], chars).Select((i, c) => real[..i] + c + real[(i + 1)..]);
        Gen.OneOf(random, truncated, mutated).Sample(text =>
        {
            try
            {
                KeylimeQuote.Parse(text);
            }
            catch (TpmFormatException)
            {
            }
        }, iter: Iterations, threads: 1);
    }

    /// <summary>Random bytes, truncations, byte flips, forged 0xFFFF sizes and appended garbage of real structures.</summary>
    private static Gen<byte[]> Inputs(byte[][] seeds)
    {
        var random = Gen.Byte.Array[0, 700];
        if (seeds.Length == 0)
        {
            return random;
        }

        var seed = Gen.Int[0, seeds.Length - 1].Select(i => seeds[i]);
        var truncated = seed.SelectMany(s => Gen.Int[0, s.Length].Select(n => s[..n]));
        var flipped = seed.SelectMany(s => Gen.Select(Gen.Int[0, s.Length - 1].Array[1, 4], Gen.Byte.Array[4]).Select((at, values) =>
        {
            var copy = s.ToArray();
            for (var i = 0; i < at.Length; i++)
            {
                copy[at[i]] = values[i];
            }

            return copy;
        }));
        var forged = seed.SelectMany(s => Gen.Int[0, s.Length - 2].Select(at =>
        {
            var copy = s.ToArray();
            copy[at] = 0xFF;
            copy[at + 1] = 0xFF;
            return copy;
        }));
        var extended = seed.SelectMany(s => Gen.Byte.Array[1, 40].Select(tail => s.Concat(tail).ToArray()));
        return Gen.OneOf(random, truncated, flipped, forged, extended);
    }
}
