using System.Security.Cryptography;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;
using Keylime.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Keylime.PushAgent.Tests.Tpm;

/// <summary>The --avoid-tpm software TPM: its evidence is checked exactly as a real TPM's.</summary>
public sealed class SoftwareTpmTests : IDisposable
{
    private static readonly int[] AllPcrs = Enumerable.Range(0, 24).ToArray();
    private readonly string _dir = Directory.CreateTempSubdirectory("keylime-softtpm.").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SoftwareTpm Open(TpmAlg hash, TpmAlg scheme, string? path = null, TimeProvider? time = null)
    {
        var tpm = new SoftwareTpm(path, time: time);
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        tpm.LoadAttestationKey(hash, scheme, path);
        return tpm;
    }

    [Theory]
    [InlineData(TpmAlg.RsaSsa, TpmAlg.Sha256)]
    [InlineData(TpmAlg.RsaPss, TpmAlg.Sha256)]
    [InlineData(TpmAlg.EcDsa, TpmAlg.Sha256)]
    [InlineData(TpmAlg.RsaSsa, TpmAlg.Sha1)]
    public void A_software_quote_verifies_with_dotnet_crypto_and_the_core_quote_verifier(TpmAlg scheme, TpmAlg hash)
    {
        using var tpm = new SoftwareTpm(null);
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(hash, scheme, null);
        var nonce = RandomNumberGenerator.GetBytes(20);

        var quote = tpm.Quote(nonce, PcrSelection.Of(hash, AllPcrs));

        Assert.True(AttestCheck.SignatureVerifies(ak.Public, quote.Attest, quote.Signature));
        var verification = QuoteVerifier.ForAk(ak.Public).Verify(quote.Attest, quote.Signature, quote.Pcrs.ToSubjectData(), nonce,
            new QuoteExpectations { HashAlgorithm = hash, SignatureScheme = scheme });
        Assert.True(verification.IsValid, verification.Message);
        var attest = TpmsAttest.Parse(quote.Attest);
        Assert.Equal(nonce, attest.ExtraData);
        Assert.True(attest.ClockInfo.Safe);
        Assert.Equal(KeyTemplates.AkAttributes, TpmPublic.Parse(ak.Public).Attributes);
    }

    [Fact]
    public void A_software_quote_passes_tpm2_checkquote()
    {
        using var tpm = Open(TpmAlg.Sha256, TpmAlg.RsaSsa);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, null);
        var nonce = RandomNumberGenerator.GetBytes(20);
        var quote = tpm.Quote(nonce, PcrSelection.Of(TpmAlg.Sha256, 0, 10, 16));
        File.WriteAllBytes(Path.Combine(_dir, "ak.pub"), ak.Public);
        File.WriteAllBytes(Path.Combine(_dir, "q.attest"), quote.Attest);
        File.WriteAllBytes(Path.Combine(_dir, "q.sig"), quote.Signature);
        File.WriteAllBytes(Path.Combine(_dir, "q.pcrs"), quote.Pcrs.ToSubjectData());

        Prerequisites.Run(Prerequisites.Program("tpm2_checkquote", "tpm2-tools"),
            $"-u {_dir}/ak.pub -m {_dir}/q.attest -s {_dir}/q.sig -f {_dir}/q.pcrs -g sha256 -q {Convert.ToHexStringLower(nonce)}");
    }

    [Theory]
    [InlineData(TpmAlg.RsaSsa)]
    [InlineData(TpmAlg.EcDsa)]
    public void The_software_ak_certifies_itself_as_the_pop_verifier_expects(TpmAlg scheme)
    {
        using var tpm = Open(TpmAlg.Sha256, scheme);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, scheme, null);
        var challenge = RandomNumberGenerator.GetBytes(16);

        var certify = tpm.Certify(challenge);

        var result = CertifyVerifier.ForKey(ak.Public).VerifySelfCertification(certify.Attest, certify.Signature, challenge, TpmAlg.Sha256, scheme);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(ak.Name, TpmsAttest.Parse(certify.Attest).Certify!.Name);
    }

    [Fact]
    public void A_registrar_credential_for_the_software_ek_is_activated()
    {
        using var tpm = new SoftwareTpm(null);
        var ek = tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, null);
        var credential = MakeCredential.NewKeylimeCredential();

        var blob = MakeCredential.Create(TpmPublic.Parse(ek.Public), ak.Name, credential);

        Assert.Equal(credential, tpm.ActivateCredential(CredentialInput.Parse(blob.ToBytes())));
    }

    [Fact]
    public void A_tpm2_makecredential_blob_for_the_software_ek_is_activated()
    {
        using var tpm = new SoftwareTpm(null);
        var ek = tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.EcDsa, null);
        File.WriteAllBytes(Path.Combine(_dir, "ek.pub"), ek.Public);
        File.WriteAllBytes(Path.Combine(_dir, "secret"), "software-activation-secret"u8.ToArray());
        Prerequisites.Run(Prerequisites.Program("tpm2_makecredential", "tpm2-tools"),
            $"-T none -u {_dir}/ek.pub -s {_dir}/secret -n {Convert.ToHexStringLower(ak.Name)} -o {_dir}/blob");

        Assert.Equal("software-activation-secret"u8.ToArray(), tpm.ActivateCredential(CredentialInput.Parse(File.ReadAllBytes(Path.Combine(_dir, "blob")))));
    }

    [Fact]
    public void A_credential_for_another_ak_name_fails_like_a_tpm_with_TPM_RC_INTEGRITY()
    {
        using var tpm = new SoftwareTpm(null);
        var ek = tpm.LoadEndorsementKey(TpmAlg.Rsa);
        tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, null);
        var otherName = new byte[34];
        otherName[1] = 0x0b;

        var blob = MakeCredential.Create(TpmPublic.Parse(ek.Public), otherName, "x"u8);

        var e = Assert.Throws<TpmCommandException>(() => tpm.ActivateCredential(blob));
        Assert.Equal("TPM_RC_INTEGRITY", e.ResponseCode.Name);
    }

    [Fact]
    public void Software_pcrs_reset_like_a_tpm_and_extend_as_hash_of_old_and_digest()
    {
        using var tpm = Open(TpmAlg.Sha256, TpmAlg.RsaSsa);
        var digest = SHA256.HashData("measurement"u8);

        tpm.ExtendPcr(16, TpmAlg.Sha256, digest);

        var values = tpm.ReadPcrs(PcrSelection.Of(TpmAlg.Sha256, 0, 16, 17));
        Assert.Equal(new byte[32], values.Get(TpmAlg.Sha256, 0));
        Assert.Equal(SHA256.HashData([.. new byte[32], .. digest]), values.Get(TpmAlg.Sha256, 16));
        Assert.Equal(Enumerable.Repeat((byte)0xFF, 32), values.Get(TpmAlg.Sha256, 17));
        Assert.Equal(new byte[20], tpm.ReadPcrs(PcrSelection.Of(TpmAlg.Sha1, 16)).Get(TpmAlg.Sha1, 16));
        Assert.Throws<ArgumentException>(() => tpm.ReadPcrs(PcrSelection.Of(TpmAlg.Sha384, 0)));
    }

    [Fact]
    public void The_software_ek_and_ak_survive_a_restart_through_agent_data()
    {
        var path = AgentDataStore.DefaultPath(_dir);
        AgentEndorsementKey ek;
        AgentAttestationKey ak;
        using (var first = new SoftwareTpm(path))
        {
            ek = first.LoadEndorsementKey(TpmAlg.Rsa);
            ak = first.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);
        }

        using var second = new SoftwareTpm(path);
        Assert.Equal(ek.Public, second.LoadEndorsementKey(TpmAlg.Rsa).Public);
        var again = second.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);
        Assert.True(again.Reused);
        Assert.Equal(ak.Public, again.Public);
    }

    [Fact]
    public void The_software_clock_follows_the_time_provider_and_keeps_increasing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        using var tpm = Open(TpmAlg.Sha256, TpmAlg.RsaSsa, time: time);
        var first = TpmsAttest.Parse(tpm.Quote("a"u8, PcrSelection.Of(TpmAlg.Sha256, 0)).Attest).ClockInfo;
        time.Advance(TimeSpan.FromSeconds(5));
        var second = TpmsAttest.Parse(tpm.Quote("b"u8, PcrSelection.Of(TpmAlg.Sha256, 0)).Attest).ClockInfo;
        Assert.Equal(5000UL, second.Clock - first.Clock);
        Assert.Equal(first.ResetCount, second.ResetCount);
    }

    [Fact]
    public void The_software_tpm_refuses_an_ecc_ek_clearly()
    {
        using var tpm = new SoftwareTpm(null);
        var e = Assert.Throws<NotSupportedException>(() => tpm.LoadEndorsementKey(TpmAlg.Ecc));
        Assert.Contains("RSA EK only", e.Message);
    }
}
