using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

public class MakeCredentialTests
{
    [Fact]
    public void Keylime_ecc_vector_reproduces_byte_for_byte()
    {
        var ek = TpmPublic.Parse(TpmVectors.Hex(
            "007a0023000b000300b20020837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa0006008000430010000300100020d31f0e190c36691abdc5c8cef7201139664f93bcc45e68861a62d649d9a157d400209bf3cc57da9b2c09539cae40f0518e651b65befaab84f26a3285d88be134b0cf"));
        var d = BigInteger.Parse("75548318724506252006992803713632448754009807765151974952668642988315053146586")
            .ToByteArray(isUnsigned: true, isBigEndian: true);
        using var ephemeral = Ephemeral(d);

        var blob = MakeCredential.CreateEcc(ek,
            TpmVectors.Hex("000b9f7f75b0564ea96bd70ef98baafbf6bf779641d17576bd11b5c6979273d2ba21"),
            TpmVectors.Hex("7756666e6e4574706552556d717932656e7954474c64434f576a523545654a69"),
            ephemeral);

        Assert.Equal(
            "badcc0de00000001004400207d7934f023133b07f7d9bce3062451ea4da5f1917c95e142da1c3277e658f66bbea694a7c1b30d006a09b28dc534876d59b644b9223c5f3c3432d8bae35f3ea3fba600440020361ce888d5152797aaca04838003976967c0c0a0a0e9698b7b5e6e5294e21711002078daa91b35fb5efc70052a470064a96dd556bd53a784d737e40966edc5f36ce8",
            Convert.ToHexStringLower(blob.ToBytes()));
    }

    [Fact]
    public void Keylime_rsa_vector_reproduces_everything_before_the_oaep_ciphertext()
    {
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_rsa.pub"));
        var seed = Enumerable.Repeat((byte)0x12, 32).ToArray();

        var blob = MakeCredential.CreateRsa(ek,
            TpmVectors.Hex("000b9601163463aacdb45be7ad1f6d11ad3dae0578d5aeeb5125e1075c5601b7c7fa"),
            TpmVectors.Hex("5a4e524b4f4e6e777552754831683734785a466a42416f314758676c484d4149"),
            seed);

        var bytes = blob.ToBytes();
        Assert.Equal(
            "badcc0de00000001004400206f0c4b08cfa00f21b474ca75623d098309c2cd7fac8d10ae3caf0da40162496db140cc6a5ae79a2bd7c22dc52cee372f34b356bf9bcd5176fa94239ee93191a0a75d0100",
            Convert.ToHexStringLower(bytes.AsSpan(0, 80)));
        Assert.Equal(336, bytes.Length);
    }

    [Fact]
    public void The_host_ecc_vector_the_tpm_activated_reproduces_byte_for_byte()
    {
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_ecc.pub"));
        var intermediates = System.Text.Json.JsonDocument.Parse(TpmVectors.Bytes("credential/mc_ecc_host.json")).RootElement;
        using var ephemeral = Ephemeral(TpmVectors.Hex(intermediates.Str("ephemeralPrivate")));

        var blob = MakeCredential.CreateEcc(ek, TpmVectors.Hex(intermediates.Str("objectName")),
            TpmVectors.Hex(intermediates.Str("credential")), ephemeral);

        Assert.Equal(TpmVectors.Bytes("credential/mc_ecc_host.blob"), blob.ToBytes());
    }

    [Fact]
    public void The_host_rsa_vector_id_object_reproduces_from_the_fixed_seed()
    {
        var vector = TpmVectors.Vector("mc_rsa_host");
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_rsa.pub"));
        var blob = MakeCredential.CreateRsa(ek, TpmVectors.Hex(vector.GetProperty("inputs").Str("akName")),
            TpmVectors.Hex(vector.GetProperty("inputs").Str("credentialHex")), TpmVectors.Hex(vector.GetProperty("inputs").Str("seedHex")));

        var stored = CredentialBlob.Parse(TpmVectors.Bytes("credential/mc_rsa_host.blob"));
        Assert.Equal(stored.IdObject, blob.IdObject);
        Assert.Equal(256, blob.EncryptedSecret.Length);
        Assert.Equal(vector.GetProperty("expected").Str("idObject2B"), Convert.ToHexStringLower(new TpmWriter().WriteSized(blob.IdObject).ToArray()));
    }

    [Fact]
    public void The_wrong_name_vector_is_bound_to_the_other_ak_so_the_tpm_must_refuse_it()
    {
        var v = TpmVectors.Vector("mc_rsa_host.wrongname").GetProperty("inputs");
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_rsa.pub"));
        var credential = TpmVectors.Hex(v.Str("credentialHex"));
        var seed = TpmVectors.Hex(v.Str("seedHex"));
        var stored = CredentialBlob.Parse(TpmVectors.Bytes("corrupt/mc_rsa_host_wrong_name.blob"));

        Assert.Equal(stored.IdObject, MakeCredential.CreateRsa(ek, TpmVectors.Hex(v.Str("boundToName")), credential, seed).IdObject);
        Assert.NotEqual(stored.IdObject, MakeCredential.CreateRsa(ek, TpmVectors.Hex(v.Str("activatedWith")), credential, seed).IdObject);
    }

    [Theory]
    [InlineData("credential/mc_rsa_tools.blob", 256)]
    [InlineData("credential/mc_ecc_tools.blob", 68)]
    public void Tpm2_tools_containers_parse_and_round_trip(string file, int secretLength)
    {
        var bytes = TpmVectors.Bytes(file);
        var blob = CredentialBlob.Parse(bytes);
        Assert.Equal(secretLength, blob.EncryptedSecret.Length);
        Assert.Equal(bytes, blob.ToBytes());
        Assert.StartsWith("utzA3gAAAAEA", blob.ToBase64(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_container_with_the_wrong_magic_is_refused()
    {
        var bytes = TpmVectors.Bytes("credential/mc_rsa_tools.blob");
        bytes[0] = 0;
        Assert.Throws<TpmFormatException>(() => CredentialBlob.Parse(bytes));
    }

    [Fact]
    public void Blobs_for_the_same_inputs_differ_because_the_seed_is_random()
    {
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_ecc.pub"));
        var name = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_ecc.pub")).Name;
        var a = MakeCredential.Create(ek, name, "secret"u8);
        var b = MakeCredential.Create(ek, name, "secret"u8);
        Assert.NotEqual(a.ToBytes(), b.ToBytes());
    }

    [Fact]
    public void Keylime_credentials_are_32_alphanumeric_characters()
    {
        var credential = Encoding.ASCII.GetString(MakeCredential.NewKeylimeCredential());
        Assert.Matches("^[A-Za-z0-9]{32}$", credential);
    }

    [Fact]
    public void The_auth_tag_vector_matches()
    {
        var key = ActivationProof.KeyFor("ZNRKONnwuRuH1h74xZFjBAo1GXglHMAI"u8);
        Assert.Equal("Wk5SS09Obnd1UnVIMWg3NHhaRmpCQW8xR1hnbEhNQUk=", key);
        const string expected = "c7eb95b4fe0f8f2669c9220f97fd1ed8c311d125ca53f255b25d812577d1d22c985ef114e85c542692f0d1011f02cf71";
        Assert.Equal(expected, ActivationProof.AuthTag(key, "d432fbb3-d2f1-4a97-9ef7-75bd81c00000"));
        Assert.True(ActivationProof.Verify(key, "d432fbb3-d2f1-4a97-9ef7-75bd81c00000", expected));
    }

    [Fact]
    public void An_auth_tag_for_another_agent_or_in_upper_case_is_refused()
    {
        const string key = "Wk5SS09Obnd1UnVIMWg3NHhaRmpCQW8xR1hnbEhNQUk=";
        var tag = ActivationProof.AuthTag(key, "agent-a");
        Assert.False(ActivationProof.Verify(key, "agent-b", tag));
        Assert.False(ActivationProof.Verify(key, "agent-a", tag.ToUpperInvariant()));
        Assert.False(ActivationProof.Verify(key, "agent-a", null));
        Assert.False(ActivationProof.Verify(key, "agent-a", tag[..^1]));
    }

    [Fact]
    public void Kdfa_reproduces_the_storage_and_integrity_keys_of_the_host_vector()
    {
        var v = System.Text.Json.JsonDocument.Parse(TpmVectors.Bytes("credential/mc_ecc_host.json")).RootElement;
        var seed = TpmVectors.Hex(v.Str("seed"));
        Assert.Equal(v.Str("symKey"), Convert.ToHexStringLower(TpmKdf.KdfA(TpmAlg.Sha256, seed, "STORAGE", TpmVectors.Hex(v.Str("objectName")), [], 128)));
        Assert.Equal(v.Str("hmacKey"), Convert.ToHexStringLower(TpmKdf.KdfA(TpmAlg.Sha256, seed, "INTEGRITY", [], [], 256)));
    }

    private static ECDiffieHellman Ephemeral(byte[] d)
    {
        var ephemeral = ECDiffieHellman.Create();
        ephemeral.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d });
        return ephemeral;
    }
}
