using System.Security.Cryptography;
using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>Software ActivateCredential is the exact inverse of MakeCredential, and refuses like a TPM.</summary>
public class CredentialActivationTests
{
    private static readonly byte[] AkName = TpmTemplates.AkRsa2048() is var ak
        ? [0x00, 0x0b, .. SHA256.HashData(ak.ToTpmtBytes())]
        : [];

    private static (AsymmetricAlgorithm Private, TpmPublic Public) RsaEk()
    {
        var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        var t = TpmTemplates.EkRsa2048;
        return (rsa, new TpmPublic
        {
            Type = t.Type, NameAlg = t.NameAlg, Attributes = t.Attributes, AuthPolicy = t.AuthPolicy,
            Symmetric = t.Symmetric, Scheme = t.Scheme, KeyBits = t.KeyBits, Exponent = t.Exponent, Modulus = p.Modulus!,
        });
    }

    private static (AsymmetricAlgorithm Private, TpmPublic Public) EccEk()
    {
        var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = ecdh.ExportParameters(false).Q;
        var t = TpmTemplates.EkEccP256;
        return (ecdh, new TpmPublic
        {
            Type = t.Type, NameAlg = t.NameAlg, Attributes = t.Attributes, AuthPolicy = t.AuthPolicy,
            Symmetric = t.Symmetric, Scheme = t.Scheme, Curve = t.Curve, Kdf = t.Kdf, X = q.X!, Y = q.Y!,
        });
    }

    public static TheoryData<string> EkTypes => ["rsa", "ecc"];

    private static (AsymmetricAlgorithm Private, TpmPublic Public) Ek(string type) => type == "rsa" ? RsaEk() : EccEk();

    [Theory]
    [MemberData(nameof(EkTypes))]
    public void A_credential_made_for_the_ek_and_ak_is_recovered(string type)
    {
        var (key, ek) = Ek(type);
        using var _ = key;
        var secret = MakeCredential.NewKeylimeCredential();
        var blob = CredentialBlob.Parse(MakeCredential.Create(ek, AkName, secret).ToBytes());

        Assert.Equal(CredentialActivationFailure.None, CredentialActivation.TryActivate(key, ek, AkName, blob, out var recovered));
        Assert.Equal(secret, recovered);
    }

    [Theory]
    [MemberData(nameof(EkTypes))]
    public void A_credential_bound_to_another_ak_fails_the_integrity_check(string type)
    {
        var (key, ek) = Ek(type);
        using var _ = key;
        var blob = MakeCredential.Create(ek, AkName, MakeCredential.NewKeylimeCredential());
        byte[] otherName = [.. AkName[..^1], (byte)(AkName[^1] ^ 1)];

        Assert.Equal(CredentialActivationFailure.Integrity, CredentialActivation.TryActivate(key, ek, otherName, blob, out var recovered));
        Assert.Empty(recovered);
    }

    [Fact]
    public void A_secret_encrypted_to_another_rsa_ek_is_refused()
    {
        var (key, ek) = RsaEk();
        var (otherKey, otherEk) = RsaEk();
        using var a = key;
        using var b = otherKey;
        var blob = MakeCredential.Create(otherEk, AkName, MakeCredential.NewKeylimeCredential());

        Assert.Equal(CredentialActivationFailure.Secret, CredentialActivation.TryActivate(key, ek, AkName, blob, out _));
    }

    [Fact]
    public void The_oaep_decoder_inverts_dotnet_oaep_and_checks_the_label()
    {
        using var rsa = RSA.Create(2048);
        var cipher = rsa.Encrypt("seed bytes"u8.ToArray(), RSAEncryptionPadding.OaepSHA256);
        Assert.Equal("seed bytes"u8.ToArray(), RsaOaep.Decrypt(rsa, TpmAlg.Sha256, [], cipher));
        Assert.Null(RsaOaep.Decrypt(rsa, TpmAlg.Sha256, "IDENTITY\0"u8, cipher));
    }

    [Fact]
    public void Aes_cfb_decrypts_what_it_encrypts_including_a_partial_last_block()
    {
        var key = RandomNumberGenerator.GetBytes(16);
        var plain = RandomNumberGenerator.GetBytes(34);
        var cipher = AesCfb.Encrypt(key, plain);
        Assert.NotEqual(plain, cipher);
        Assert.Equal(plain, AesCfb.Decrypt(key, cipher));
    }
}
