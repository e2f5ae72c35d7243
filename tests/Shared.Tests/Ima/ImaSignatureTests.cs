using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Keylime.Shared.Ima;
using static Keylime.Shared.Tests.Ima.ImaTestData;

namespace Keylime.Shared.Tests.Ima;

/// <summary>Spec §2.4 (ima-sig verification) and §2.3 keyrings: tenant keys, learned keys, ignored keyrings.</summary>
public class ImaSignatureTests
{
    private static readonly RSA Rsa = LoadRsa();
    private static readonly ECDsa Ec = LoadEc();

    private static RSA LoadRsa()
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(Key("rsa2048.pem"));
        return rsa;
    }

    private static ECDsa LoadEc()
    {
        var ec = ECDsa.Create();
        ec.ImportFromPem(Key("secp256k1.pem"));
        return ec;
    }

    private static ImaKey RsaKey => ImaKey.FromSubjectPublicKeyInfo(Rsa.ExportSubjectPublicKeyInfo());

    private static ImaKey EcKey => ImaKey.FromSubjectPublicKeyInfo(Ec.ExportSubjectPublicKeyInfo());

    /// <summary>signature_v2_hdr: type 3, version 2, hash algo 4 (sha256), keyid, size, then the signature.</summary>
    private static byte[] Sign(AsymmetricAlgorithm key, uint keyId, byte[] digest)
    {
        var body = key is RSA rsa
            ? rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : ((ECDsa)key).SignHash(digest, DSASignatureFormat.Rfc3279DerSequence);
        var header = new byte[9];
        header[0] = 3;
        header[1] = 2;
        header[2] = 4;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(3), keyId);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(7), (ushort)body.Length);
        return [.. header, .. body];
    }

    private static string KeyringJson(params ImaKey[] keys)
    {
        var ring = new ImaKeyring();
        foreach (var key in keys)
        {
            ring.Add(key);
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            ring.WriteJson(writer);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void Key_ids_are_the_last_four_bytes_of_sha1_over_the_raw_public_key()
    {
        // Values from Keylime's IMA verification tests (spec §1.7).
        Assert.Equal(0xF3452D23u, RsaKey.KeyId);
        Assert.Equal(0x531F4025u, EcKey.KeyId);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public void Signed_entries_verify_with_the_policy_verification_keys(string kind)
    {
        var (signer, key) = kind == "rsa" ? ((AsymmetricAlgorithm)Rsa, RsaKey) : (Ec, EcKey);
        var digest = SHA256.HashData(RandomNumberGenerator.GetBytes(64));
        var line = Line("ima-sig", "sha256", digest, "/usr/bin/signed", Sign(signer, key.KeyId, digest));
        var policy = EmptyGenerator3Policy(d => d.VerificationKeys = KeyringJson(key));

        var result = Replay(policy, line, ReferenceReplay([line], HashAlgorithmName.SHA256));
        Assert.True(result.Passed, result.FirstFailure?.Message);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public void A_changed_signature_byte_fails_the_entry(string kind)
    {
        var (signer, key) = kind == "rsa" ? ((AsymmetricAlgorithm)Rsa, RsaKey) : (Ec, EcKey);
        var digest = SHA256.HashData(RandomNumberGenerator.GetBytes(64));
        var signature = Sign(signer, key.KeyId, digest);
        signature[^5] ^= 0x01;
        var line = Line("ima-sig", "sha256", digest, "/usr/bin/signed", signature);
        var policy = EmptyGenerator3Policy(d => d.VerificationKeys = KeyringJson(key));

        var failure = Assert.Single(Replay(policy, line, ReferenceReplay([line], HashAlgorithmName.SHA256)).Failures);
        Assert.Equal("ima.validation.ima-ng.not_in_allowlist", failure.EventId);
        Assert.Equal("/usr/bin/signed", failure.Path);
    }

    [Fact]
    public void An_unsigned_ima_sig_entry_falls_back_to_the_digest_list()
    {
        var digest = SHA256.HashData("plain"u8);
        var line = Line("ima-sig", "sha256", digest, "/usr/bin/plain", []);
        Assert.EndsWith(" ", line, StringComparison.Ordinal);
        var quoted = ReferenceReplay([line], HashAlgorithmName.SHA256);

        Assert.True(Replay(PolicyFor(line), line, quoted).Passed);
        Assert.Single(Replay(EmptyGenerator3Policy(), line, quoted).Failures);
    }

    [Fact]
    public void A_malformed_signature_keeps_the_chain_and_falls_back_to_the_digest_list()
    {
        var digest = SHA256.HashData("odd"u8);
        var line = Line("ima-sig", "sha256", digest, "/usr/bin/odd", [3, 2, 4, 1, 2]);
        var quoted = ReferenceReplay([line], HashAlgorithmName.SHA256);

        Assert.True(Replay(PolicyFor(line), line, quoted).Passed);
    }

    [Fact]
    public void A_signature_with_a_key_id_nobody_has_does_not_verify()
    {
        var digest = SHA256.HashData("k"u8);
        var line = Line("ima-sig", "sha256", digest, "/usr/bin/k", Sign(Rsa, 0x01020304, digest));
        var policy = EmptyGenerator3Policy(d => d.VerificationKeys = KeyringJson(RsaKey));
        Assert.Single(Replay(policy, line, ReferenceReplay([line], HashAlgorithmName.SHA256)).Failures);
    }

    private static (string KeyLine, string SignedLine, byte[] Quoted) KeyThenSignedEntry(string keyring = ".ima")
    {
        var keyBuffer = Rsa.ExportSubjectPublicKeyInfo();
        var keyLine = Line("ima-buf", "sha256", SHA256.HashData(keyBuffer), keyring, keyBuffer);
        var digest = SHA256.HashData("learned"u8);
        var signedLine = Line("ima-sig", "sha256", digest, "/usr/bin/learned", Sign(Rsa, RsaKey.KeyId, digest));
        return (keyLine, signedLine, ReferenceReplay([keyLine, signedLine], HashAlgorithmName.SHA256));
    }

    [Fact]
    public void A_key_allowed_on_a_keyring_is_learned_and_verifies_later_entries()
    {
        var (keyLine, signedLine, quoted) = KeyThenSignedEntry();
        var keyDigest = keyLine.Split(' ')[3].Split(':')[1];
        var policy = EmptyGenerator3Policy(d => d.Keyrings[".ima"] = [keyDigest]);

        var result = Replay(policy, keyLine + "\n" + signedLine + "\n", quoted);
        Assert.True(result.Passed, result.FirstFailure?.Message);
        Assert.Equal(RsaKey.KeyId, Assert.Single(result.LearnedKeyrings[".ima"].Keys).KeyId);

        // A later attestation starting after the key entry still knows the key.
        var next = Replay(EmptyGenerator3Policy(), signedLine, quoted, edit: r => r with
        {
            StartingOffset = 1,
            PreviousPcr10 = ReferenceReplay([keyLine], HashAlgorithmName.SHA256),
            LearnedKeyrings = result.LearnedKeyrings,
        });
        Assert.True(next.Passed, next.FirstFailure?.Message);
    }

    [Fact]
    public void A_key_not_allowed_on_its_keyring_fails_and_is_not_learned()
    {
        var (keyLine, signedLine, quoted) = KeyThenSignedEntry();
        var policy = EmptyGenerator3Policy(d => d.Keyrings[".ima"] = [new string('a', 64)]);

        var result = Replay(policy, keyLine + "\n" + signedLine, quoted);
        Assert.Equal(["keyrings", "digests"], result.Failures.Select(f => f.Rule));
        Assert.False(result.LearnedKeyrings.ContainsKey(".ima"));
    }

    [Theory]
    [InlineData(".ima")]
    [InlineData("*")]
    public void Ignored_keyrings_skip_the_check_and_learn_nothing(string ignored)
    {
        var (keyLine, signedLine, quoted) = KeyThenSignedEntry();
        var policy = EmptyGenerator3Policy(d => d.IgnoredKeyrings.Add(ignored));

        var result = Replay(policy, keyLine + "\n" + signedLine, quoted);
        Assert.Equal("/usr/bin/learned", Assert.Single(result.Failures).Path);
        Assert.Empty(result.LearnedKeyrings);
    }

    [Fact]
    public void An_exclude_matching_the_keyring_name_trusts_and_learns_its_keys()
    {
        var (keyLine, signedLine, quoted) = KeyThenSignedEntry();
        var policy = EmptyGenerator3Policy(d => d.Excludes.Add(@"\.ima$"));

        var result = Replay(policy, keyLine + "\n" + signedLine, quoted);
        Assert.True(result.Passed, result.FirstFailure?.Message);
        Assert.True(result.LearnedKeyrings.ContainsKey(".ima"));
    }

    [Fact]
    public void Learned_keyrings_round_trip_through_keyring_json()
    {
        var json = KeyringJson(RsaKey, EcKey);
        var ring = ImaKeyring.FromJson(json);
        Assert.Equal([RsaKey.KeyId, EcKey.KeyId], ring.Keys.Select(k => k.KeyId));
    }

    [Fact]
    public void Learned_keyrings_persist_as_a_json_object_of_keyrings()
    {
        var (keyLine, signedLine, quoted) = KeyThenSignedEntry();
        var policy = EmptyGenerator3Policy(d => d.Keyrings[".ima"] = [keyLine.Split(' ')[3].Split(':')[1]]);
        var learned = Replay(policy, keyLine, ReferenceReplay([keyLine], HashAlgorithmName.SHA256)).LearnedKeyrings;

        var restored = LearnedKeyrings.FromJson(LearnedKeyrings.ToJson(learned));
        var next = Replay(EmptyGenerator3Policy(), signedLine, quoted, edit: r => r with
        {
            StartingOffset = 1,
            PreviousPcr10 = ReferenceReplay([keyLine], HashAlgorithmName.SHA256),
            LearnedKeyrings = restored,
        });
        Assert.True(next.Passed, next.FirstFailure?.Message);
        Assert.Empty(LearnedKeyrings.FromJson("{}"));
        Assert.Throws<FormatException>(() => LearnedKeyrings.FromJson("[1]"));
    }
}
