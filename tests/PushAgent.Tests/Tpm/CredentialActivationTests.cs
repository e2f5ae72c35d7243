using System.Security.Cryptography;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Tpm;

public class CredentialActivationTests : IClassFixture<SwtpmTpmFixture>
{
    private readonly SwtpmTpmFixture _fx;

    public CredentialActivationTests(SwtpmTpmFixture fx) => _fx = fx;

    /// <summary>tpm2_makecredential -T none: the software MakeCredential the registrar also does.</summary>
    private byte[] MakeCredential(string tag, byte[] ekPublic, byte[] akName, byte[] secret)
    {
        File.WriteAllBytes(_fx.File($"{tag}.ek.pub"), ekPublic);
        File.WriteAllBytes(_fx.File($"{tag}.secret"), secret);
        var blob = _fx.File($"{tag}.blob");
        _fx.Swtpm.Tools("tpm2_makecredential",
            $"-T none -u {_fx.File($"{tag}.ek.pub")} -s {_fx.File($"{tag}.secret")} -n {Convert.ToHexStringLower(akName)} -o {blob}");
        return File.ReadAllBytes(blob);
    }

    [Theory]
    [InlineData(TpmAlg.Rsa, TpmAlg.RsaSsa)]
    [InlineData(TpmAlg.Rsa, TpmAlg.EcDsa)]
    [InlineData(TpmAlg.Ecc, TpmAlg.RsaSsa)]
    public void A_credential_made_by_tpm2_makecredential_for_our_ek_and_ak_is_activated(TpmAlg ekType, TpmAlg scheme)
    {
        using var tpm = _fx.OpenTpm();
        var ek = tpm.LoadEndorsementKey(ekType);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, scheme, null);
        var secret = "ZNRKONnwuRuH1h74xZFjBAo1GXglHMAI"u8.ToArray();
        var blob = MakeCredential($"ok-{ekType}-{scheme}", ek.Public, ak.Name, secret);

        Assert.Equal(CredentialBlob.Magic, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(blob));
        Assert.Equal(secret, tpm.ActivateCredential(CredentialInput.Parse(blob)));
    }

    [Fact]
    public void The_raw_id_object_and_encrypted_secret_without_the_container_are_accepted()
    {
        using var tpm = _fx.OpenTpm();
        var ek = tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, null);
        var secret = RandomNumberGenerator.GetBytes(32);
        var blob = MakeCredential("raw", ek.Public, ak.Name, secret);

        Assert.Equal(secret, tpm.ActivateCredential(CredentialInput.Parse(blob.AsSpan(8))));
    }

    [Fact]
    public void A_credential_bound_to_another_name_fails_with_TPM_RC_INTEGRITY()
    {
        using var tpm = _fx.OpenTpm();
        var ek = tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, null);
        var otherName = (byte[])ak.Name.Clone();
        otherName[^1] ^= 1;
        var blob = MakeCredential("wrong", ek.Public, otherName, RandomNumberGenerator.GetBytes(32));

        var e = Assert.Throws<TpmCommandException>(() => tpm.ActivateCredential(CredentialInput.Parse(blob)));
        Assert.Equal("ActivateCredential", e.CommandName);
        Assert.Equal("TPM_RC_INTEGRITY", e.ResponseCode.Name);

        // The failed command's policy session was flushed: the TPM still activates afterwards.
        var good = MakeCredential("after", ek.Public, ak.Name, "again"u8.ToArray());
        Assert.Equal("again"u8.ToArray(), tpm.ActivateCredential(CredentialInput.Parse(good)));
        Assert.Empty(tpm.Commands.GetHandles(0x03000000, 0x100)); // no policy session left open, failed or not
    }

    [Fact]
    public void A_malformed_blob_is_a_format_error()
    {
        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, null);
        Assert.Throws<TpmFormatException>(() => CredentialInput.Parse(Convert.FromHexString("badcc0de000000010044")));
    }
}
