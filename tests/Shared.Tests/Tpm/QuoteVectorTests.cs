using System.Text.Json;
using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>Every quote vector in tpm-vectors/manifest.json, positive and corrupted.</summary>
public class QuoteVectorTests
{
    public static TheoryData<string> Accepted => TpmVectors.VectorIds("quote", "accept");

    public static TheoryData<string> Rejected => TpmVectors.VectorIds("quote", "reject");

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Every_positive_quote_verifies_with_the_manifest_digest_and_signer(string id)
    {
        var v = TpmVectors.Vector(id);
        var result = Verify(v, Load(v));

        Assert.True(result.IsValid, $"{result.FailedCheck}: {result.Message}");
        var expected = v.GetProperty("expected");
        var attest = result.Attest!;
        Assert.Equal(expected.Str("pcrDigest"), Convert.ToHexStringLower(attest.Quote!.PcrDigest));
        Assert.Equal(expected.Str("qualifiedSigner"), Convert.ToHexStringLower(attest.QualifiedSigner));
        Assert.Equal(expected.Str("extraData"), Convert.ToHexStringLower(attest.ExtraData));
        Assert.Equal(Convert.ToUInt64(expected.Str("firmwareVersion"), 16), attest.FirmwareVersion);
        var clock = expected.GetProperty("clockInfo");
        Assert.Equal(new TpmClockInfo(clock.GetProperty("clock").GetUInt64(), clock.GetProperty("resetCount").GetUInt32(),
            clock.GetProperty("restartCount").GetUInt32(), clock.GetProperty("safe").GetInt32() == 1), attest.ClockInfo);
        var banks = expected.GetProperty("pcrSelect").EnumerateArray().ToList();
        Assert.Equal(banks.Count, attest.Quote.PcrSelect.Banks.Count);
        for (var i = 0; i < banks.Count; i++)
        {
            Assert.Equal(banks[i].GetProperty("pcrs").EnumerateArray().Select(p => p.GetInt32()), attest.Quote.PcrSelect.Banks[i].Pcrs);
            Assert.Equal(banks[i].Str("hashAlg").ToLowerInvariant(), TpmHash.KeylimeName(attest.Quote.PcrSelect.Banks[i].Hash));
        }
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Every_corrupted_quote_fails_the_check_the_manifest_names(string id)
    {
        var v = TpmVectors.Vector(id);
        var result = Verify(v, Load(v));

        Assert.False(result.IsValid);
        Assert.Equal(ManifestCheck(v.Str("rejectReason")), result.FailedCheck);
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    public void The_keylime_quote_string_carries_the_same_three_parts(string id)
    {
        var v = TpmVectors.Vector(id);
        var files = v.GetProperty("files");
        var quote = KeylimeQuote.Parse(TpmVectors.Text(files.Str("keylimeQuote")).Trim());
        Assert.Equal(TpmVectors.Bytes(files.Str("attest")), quote.Message);
        Assert.Equal(TpmVectors.Bytes(files.Str("signature")), quote.Signature);
        Assert.Equal(TpmVectors.Bytes(files.Str("pcrs")), quote.PcrBlob);
        Assert.Equal(TpmVectors.Text(files.Str("keylimeQuote")).Trim(), quote.ToString());
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Pcr_blobs_and_attests_and_signatures_round_trip_byte_for_byte(string id)
    {
        var files = TpmVectors.Vector(id).GetProperty("files");
        var blob = TpmVectors.Bytes(files.Str("pcrs"));
        Assert.Equal(blob, PcrValues.ParseSubjectData(blob).ToSubjectData());
        var attest = TpmVectors.Bytes(files.Str("attest"));
        Assert.Equal(attest, TpmsAttest.Parse(attest).ToBytes());
        var sig = TpmVectors.Bytes(files.Str("signature"));
        Assert.Equal(sig, TpmSignature.Parse(sig).ToBytes());
    }

    [Fact]
    public void Pcr_blob_values_are_the_tpm_pcr_values()
    {
        var pcrs = PcrValues.ParseSubjectData(TpmVectors.Bytes("quote/q_rsa_multibank.pcrs"));
        using var json = JsonDocument.Parse(TpmVectors.Bytes("pcr/pcrs.json"));
        foreach (var value in pcrs.Values)
        {
            var bank = json.RootElement.GetProperty(TpmHash.KeylimeName(value.Bank)!);
            Assert.Equal(bank.Str(value.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)), Convert.ToHexStringLower(value.Digest));
        }

        Assert.Equal(9, pcrs.Values.Count);
        Assert.Equal(136 + 2 * 532, pcrs.ToSubjectData().Length);
    }

    [Fact]
    public void A_quote_covering_other_pcrs_than_requested_is_refused()
    {
        var v = TpmVectors.Vector("q_rsa_keylime_mask");
        var requested = PcrSelection.FromKeylimeMask(TpmAlg.Sha256, 0x10481);
        Assert.True(Verify(v, Load(v), new QuoteExpectations { Selection = requested }).IsValid);
        var other = PcrSelection.FromKeylimeMask(TpmAlg.Sha256, 0x10401);
        Assert.Equal(TpmCheck.PcrSelection, Verify(v, Load(v), new QuoteExpectations { Selection = other }).FailedCheck);
    }

    [Fact]
    public void A_pcr_blob_from_another_quote_is_refused_as_a_selection_mismatch()
    {
        var v = TpmVectors.Vector("q_rsa_keylime_mask");
        var quote = Load(v) with { PcrBlob = TpmVectors.Bytes("quote/q_rsa_sha256_all.pcrs") };
        Assert.Equal(TpmCheck.PcrSelection, Verify(v, quote).FailedCheck);
    }

    [Fact]
    public void A_signature_hash_other_than_the_negotiated_one_is_a_downgrade()
    {
        var v = TpmVectors.Vector("q_rsasha1_sha1_all");
        var result = Verify(v, Load(v), new QuoteExpectations { HashAlgorithm = TpmAlg.Sha256 });
        Assert.Equal(TpmCheck.SignatureHash, result.FailedCheck);
    }

    [Fact]
    public void A_pss_quote_is_refused_when_rsassa_was_negotiated()
    {
        var v = TpmVectors.Vector("q_rsapss_sha256_all");
        var result = Verify(v, Load(v), new QuoteExpectations { SignatureScheme = TpmAlg.RsaSsa });
        Assert.Equal(TpmCheck.SignatureScheme, result.FailedCheck);
    }

    [Fact]
    public void A_certify_structure_is_not_a_quote()
    {
        var verifier = QuoteVerifier.ForAk(TpmVectors.Bytes("ak/ak_rsa.pub"));
        var result = verifier.Verify(TpmVectors.Bytes("certify/certify_rsa_self.attest"), TpmVectors.Bytes("certify/certify_rsa_self.sig"),
            TpmVectors.Bytes("quote/q_rsa_sha256_all.pcrs"), "CertifyQualifyingData01"u8);
        Assert.Equal(TpmCheck.AttestType, result.FailedCheck);
    }

    [Fact]
    public void An_ecdsa_signature_on_an_rsa_key_is_a_scheme_failure()
    {
        var verifier = QuoteVerifier.ForAk(TpmVectors.Bytes("ak/ak_rsa.pub"));
        var result = verifier.Verify(TpmVectors.Bytes("quote/q_ecc_sha256_all.attest"), TpmVectors.Bytes("quote/q_ecc_sha256_all.sig"),
            TpmVectors.Bytes("quote/q_ecc_sha256_all.pcrs"), "NonceEccSha256All002"u8);
        Assert.Equal(TpmCheck.SignatureScheme, result.FailedCheck);
    }

    [Fact]
    public void Garbage_evidence_is_a_structure_failure_not_an_exception()
    {
        var verifier = QuoteVerifier.ForAk(TpmVectors.Bytes("ak/ak_rsa.pub"));
        Assert.Equal(TpmCheck.Structure, verifier.Verify([1, 2, 3], [0, 0x14], [], "n"u8).FailedCheck);
        var attest = TpmVectors.Bytes("quote/q_rsa_sha256_all.attest");
        var sig = TpmVectors.Bytes("quote/q_rsa_sha256_all.sig");
        Assert.Equal(TpmCheck.Structure, verifier.Verify(attest, sig, [1, 2, 3], "NonceRsaSha256All001"u8).FailedCheck);
    }

    [Fact]
    public void The_ak_is_imported_once_per_key()
    {
        var bytes = TpmVectors.Bytes("ak/ak_rsa.pub");
        Assert.Same(AttestationKey.FromTpm2B(bytes), AttestationKey.FromTpm2B(bytes.ToArray()));
        Assert.Same(AttestationKey.FromTpm2B(bytes), AttestationKey.FromTpm2B(bytes.AsSpan(2)));
    }

    internal static KeylimeQuote Load(JsonElement v)
    {
        var files = v.GetProperty("files");
        return new KeylimeQuote(TpmVectors.Bytes(files.Str("attest")), TpmVectors.Bytes(files.Str("signature")), TpmVectors.Bytes(files.Str("pcrs")));
    }

    internal static QuoteVerification Verify(JsonElement v, KeylimeQuote quote, QuoteExpectations? expectations = null)
    {
        var inputs = v.GetProperty("inputs");
        var verifier = QuoteVerifier.ForAk(TpmVectors.Bytes(inputs.Str("signingKeyPublic")));
        expectations ??= new QuoteExpectations { HashAlgorithm = TpmHash.FromKeylimeName(inputs.Str("signatureHashAlg")) };
        return verifier.Verify(quote, TpmVectors.Hex(inputs.Str("nonceHex")), expectations);
    }

    internal static TpmCheck ManifestCheck(string reason) => reason switch
    {
        "signature" => TpmCheck.Signature,
        "nonce" => TpmCheck.Nonce,
        "pcrDigest" => TpmCheck.PcrDigest,
        _ => throw new InvalidOperationException($"unknown manifest reject reason {reason}"),
    };
}

public class RawQuoteTests
{
    [Fact]
    public void The_hand_marshalled_quote_of_the_raw_flow_is_signed_by_its_ak()
    {
        var key = AttestationKey.FromTpm2B(TpmVectors.Bytes("raw/raw_ak.pub"));
        var attest = TpmVectors.Bytes("raw/raw_quote.attest");
        var signature = TpmSignature.Parse(TpmVectors.Bytes("raw/raw_quote.sig"));
        Assert.True(key.VerifySignature(attest, signature));
        var parsed = TpmsAttest.Parse(attest);
        Assert.Equal(TpmsAttest.TagAttestQuote, parsed.Type);
        Assert.True(parsed.ClockInfo.Safe);
        attest[^1] ^= 1;
        Assert.False(key.VerifySignature(attest, signature));
    }
}

public class ConcurrentVerificationTests
{
    [Fact]
    public void One_cached_ak_verifies_quotes_from_many_threads_at_once()
    {
        var v = TpmVectors.Vector("q_ecc_sha256_all");
        var quote = QuoteVectorTests.Load(v);
        var rsa = TpmVectors.Vector("q_rsa_sha256_all");
        var rsaQuote = QuoteVectorTests.Load(rsa);
        var failures = 0;
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var result = i % 2 == 0 ? QuoteVectorTests.Verify(v, quote) : QuoteVectorTests.Verify(rsa, rsaQuote);
            if (!result.IsValid)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }
}
