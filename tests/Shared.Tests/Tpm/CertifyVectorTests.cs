using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

public class CertifyVectorTests
{
    public static TheoryData<string> Accepted => TpmVectors.VectorIds("certify", "accept");

    public static TheoryData<string> Rejected => TpmVectors.VectorIds("certify", "reject");

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Every_positive_certify_verifies_with_the_manifest_names(string id)
    {
        var v = TpmVectors.Vector(id);
        var result = Verify(v);

        Assert.True(result.IsValid, $"{result.FailedCheck}: {result.Message}");
        var expected = v.GetProperty("expected");
        Assert.Equal(expected.Str("certifiedName"), Convert.ToHexStringLower(result.Attest!.Certify!.Name));
        Assert.Equal(expected.Str("certifiedQualifiedName"), Convert.ToHexStringLower(result.Attest.Certify.QualifiedName));
        Assert.Equal(expected.Str("qualifiedSigner"), Convert.ToHexStringLower(result.Attest.QualifiedSigner));
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Every_corrupted_certify_fails_the_check_the_manifest_names(string id)
    {
        var v = TpmVectors.Vector(id);
        var result = Verify(v);
        Assert.False(result.IsValid);
        Assert.Equal(QuoteVectorTests.ManifestCheck(v.Str("rejectReason")), result.FailedCheck);
    }

    [Fact]
    public void Self_certification_is_the_push_model_proof_of_possession()
    {
        var verifier = CertifyVerifier.ForKey(TpmVectors.Bytes("ak/ak_rsa.pub"));
        var result = verifier.VerifySelfCertification(TpmVectors.Bytes("certify/certify_rsa_self.attest"),
            TpmVectors.Bytes("certify/certify_rsa_self.sig"), "CertifyQualifyingData01"u8, TpmAlg.Sha256, TpmAlg.RsaSsa);
        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void A_certify_over_another_challenge_is_refused_as_a_nonce_failure()
    {
        var verifier = CertifyVerifier.ForKey(TpmVectors.Bytes("ak/ak_rsa.pub"));
        var result = verifier.VerifySelfCertification(TpmVectors.Bytes("certify/certify_rsa_self.attest"),
            TpmVectors.Bytes("certify/certify_rsa_self.sig"), "CertifyQualifyingData99"u8);
        Assert.Equal(TpmCheck.Nonce, result.FailedCheck);
    }

    [Fact]
    public void A_certification_of_another_key_is_refused_as_a_name_failure()
    {
        // ak_ecc certified ak_rsa: a valid signature, but not a self-certification of ak_ecc.
        var verifier = CertifyVerifier.ForKey(TpmVectors.Bytes("ak/ak_ecc.pub"));
        var result = verifier.VerifySelfCertification(TpmVectors.Bytes("certify/certify_rsa_by_ecc.attest"),
            TpmVectors.Bytes("certify/certify_rsa_by_ecc.sig"), "CertifyQualifyingData02"u8);
        Assert.Equal(TpmCheck.CertifiedName, result.FailedCheck);
    }

    [Fact]
    public void A_quote_is_not_a_certification()
    {
        var verifier = CertifyVerifier.ForKey(TpmVectors.Bytes("ak/ak_rsa.pub"));
        var result = verifier.VerifySelfCertification(TpmVectors.Bytes("quote/q_rsa_sha256_all.attest"),
            TpmVectors.Bytes("quote/q_rsa_sha256_all.sig"), "NonceRsaSha256All001"u8);
        Assert.Equal(TpmCheck.AttestType, result.FailedCheck);
    }

    private static CertifyVerification Verify(System.Text.Json.JsonElement v)
    {
        var inputs = v.GetProperty("inputs");
        var files = v.GetProperty("files");
        var signer = CertifyVerifier.ForKey(TpmVectors.Bytes(inputs.Str("signingKeyPublic")));
        var objectName = TpmPublic.Parse(TpmVectors.Bytes(inputs.Str("objectPublic"))).Name;
        return signer.Verify(TpmVectors.Bytes(files.Str("attest")), TpmVectors.Bytes(files.Str("signature")),
            TpmVectors.Hex(inputs.Str("qualifyingDataHex")), objectName, TpmHash.FromKeylimeName(inputs.Str("hashAlg")));
    }
}

/// <summary>spec/registrar.md §5.7: the IAK certifies the AK over SHA-256(agent id), or the raw id from older agents.</summary>
public class IakBindingTests
{
    private const string AgentId = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000";

    [Fact]
    public void An_iak_certification_over_the_hashed_or_raw_agent_id_binds_the_ak()
    {
        var iak = SyntheticAk.Shared;
        var akName = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_rsa.pub")).Name;
        var verifier = new CertifyVerifier(new AttestationKey(iak.Public));

        var (hashed, hashedSig) = iak.Certify(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(AgentId)), akName);
        Assert.True(verifier.VerifyIakBinding(hashed, hashedSig, akName, AgentId).IsValid);
        var (raw, rawSig) = iak.Certify(System.Text.Encoding.UTF8.GetBytes(AgentId), akName);
        Assert.True(verifier.VerifyIakBinding(raw, rawSig, akName, AgentId).IsValid);
    }

    [Fact]
    public void An_iak_certification_for_another_agent_or_another_ak_is_refused()
    {
        var iak = SyntheticAk.Shared;
        var akName = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_rsa.pub")).Name;
        var verifier = new CertifyVerifier(new AttestationKey(iak.Public));
        var (attest, sig) = iak.Certify(System.Text.Encoding.UTF8.GetBytes(AgentId), akName);

        Assert.Equal(TpmCheck.Nonce, verifier.VerifyIakBinding(attest, sig, akName, "another-agent").FailedCheck);
        var otherName = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_ecc.pub")).Name;
        Assert.Equal(TpmCheck.CertifiedName, verifier.VerifyIakBinding(attest, sig, otherName, AgentId).FailedCheck);
    }
}
