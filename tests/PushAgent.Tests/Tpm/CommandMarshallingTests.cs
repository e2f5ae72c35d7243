using System.Text.Json;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Tpm;

/// <summary>Our command bytes equal the ones swtpm accepted in tpm-vectors/raw/raw_transcript.json.</summary>
public class CommandMarshallingTests
{
    private static readonly Lazy<JsonElement[]> Transcript = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Path("tpm-vectors", "raw", "raw_transcript.json")));
        return doc.RootElement.GetProperty("transcript").EnumerateArray().Select(e => e.Clone()).ToArray();
    });

    private static string CommandHex(int step) =>
        Transcript.Value.Single(e => e.GetProperty("step").GetInt32() == step).GetProperty("commandHex").GetString()!;

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [Fact]
    public void Startup_clear_matches_the_transcript() =>
        Assert.Equal(CommandHex(1), Hex(TpmCommands.Marshal(Tpm2Cc.Startup, [], [], [0, 0])));

    [Fact]
    public void Create_primary_with_the_L1_template_matches_the_transcript()
    {
        var p = new TpmWriter().WriteUInt16(4).WriteSized([]).WriteSized([]).WriteSized(KeyTemplates.Ek(TpmAlg.Rsa)).WriteSized([]).WriteUInt32(0);
        var command = TpmCommands.Marshal(Tpm2Cc.CreatePrimary, [Tpm2Handle.Endorsement], [TpmAuth.EmptyPassword], p.WrittenSpan);
        Assert.Equal(CommandHex(11), Hex(command));
    }

    [Fact]
    public void Create_of_the_rsa_ak_template_under_the_ek_policy_session_matches_the_transcript()
    {
        var p = new TpmWriter().WriteUInt16(4).WriteSized([]).WriteSized([]).WriteSized(KeyTemplates.Ak(TpmAlg.Sha256, TpmAlg.RsaSsa)).WriteSized([]).WriteUInt32(0);
        var command = TpmCommands.Marshal(Tpm2Cc.Create, [0x80000000], [TpmAuth.Policy(0x03000000)], p.WrittenSpan);
        Assert.Equal(CommandHex(15), Hex(command));
    }

    [Fact]
    public void Policy_secret_on_the_endorsement_hierarchy_matches_the_transcript()
    {
        var p = new TpmWriter().WriteSized([]).WriteSized([]).WriteSized([]).WriteUInt32(0);
        var command = TpmCommands.Marshal(Tpm2Cc.PolicySecret, [Tpm2Handle.Endorsement, 0x03000000], [TpmAuth.EmptyPassword], p.WrittenSpan);
        Assert.Equal(CommandHex(13), Hex(command));
    }

    [Fact]
    public void Quote_with_a_null_scheme_over_sha256_all_matches_the_transcript()
    {
        var p = new TpmWriter().WriteSized("rawflow-nonce-0001"u8).WriteUInt16((ushort)TpmAlg.Null);
        PcrSelection.Of(TpmAlg.Sha256, [.. Enumerable.Range(0, 24)]).Write(p);
        var command = TpmCommands.Marshal(Tpm2Cc.Quote, [0x80000001], [TpmAuth.EmptyPassword], p.WrittenSpan);
        Assert.Equal(CommandHex(26), Hex(command));
    }

    [Fact]
    public void Nv_read_authorized_by_the_index_matches_the_transcript()
    {
        var p = new TpmWriter().WriteUInt16(0x3f8).WriteUInt16(0);
        var command = TpmCommands.Marshal(Tpm2Cc.NvRead, [0x01c00002, 0x01c00002], [TpmAuth.EmptyPassword], p.WrittenSpan);
        Assert.Equal(CommandHex(10), Hex(command));
    }

    [Fact]
    public void Pcr_extend_of_one_sha256_digest_matches_the_transcript()
    {
        var digest = Convert.FromHexString("0f8e4a28bc2ad0d2e251f771502b36d696d163d4e159c56198ed13b6e882a4cf");
        var p = new TpmWriter().WriteUInt32(1).WriteUInt16((ushort)TpmAlg.Sha256).WriteBytes(digest);
        var command = TpmCommands.Marshal(Tpm2Cc.PcrExtend, [23], [TpmAuth.EmptyPassword], p.WrittenSpan);
        Assert.Equal(CommandHex(21), Hex(command));
    }

    [Fact]
    public void Activate_credential_with_password_then_policy_session_matches_the_transcript()
    {
        var full = Convert.FromHexString(CommandHex(31));
        var r = new TpmReader(full.AsSpan(10 + 8 + 4 + 9 + 9));
        var idObject = r.ReadSized().ToArray();
        var secret = r.ReadSized().ToArray();
        var p = new TpmWriter().WriteSized(idObject).WriteSized(secret);
        var command = TpmCommands.Marshal(Tpm2Cc.ActivateCredential, [0x80000001, 0x80000000], [TpmAuth.EmptyPassword, TpmAuth.Policy(0x03000000)], p.WrittenSpan);
        Assert.Equal(CommandHex(31), Hex(command));
    }

    [Fact]
    public void An_error_response_becomes_a_typed_exception_with_command_and_code()
    {
        var e = Assert.Throws<TpmCommandException>(() => TpmCommands.Unmarshal(Tpm2Cc.ReadPublic, Convert.FromHexString("80010000000a0000018b"), 0));
        Assert.Equal("ReadPublic", e.CommandName);
        Assert.Equal(0x18Bu, e.ResponseCode.Value);
        Assert.Contains("TPM2_ReadPublic failed: TPM_RC_HANDLE (handle 1), 0x18b", e.Message);
    }

    [Fact]
    public void A_response_whose_size_field_lies_is_a_transport_error() =>
        Assert.Throws<TpmTransportException>(() => TpmCommands.Unmarshal(Tpm2Cc.GetRandom, Convert.FromHexString("80010000000b00000000"), 0));
}

/// <summary>The software keys' template writer and the core's templates describe the same objects.</summary>
public class KeyTemplateTests
{
    [Theory]
    [InlineData(TpmAlg.Rsa)]
    [InlineData(TpmAlg.Ecc)]
    public void The_software_ek_shape_equals_the_core_template_for_an_all_zero_key(TpmAlg type) =>
        Assert.Equal(KeyTemplates.Ek(type), KeyTemplates.Ek(type, type == TpmAlg.Rsa ? new byte[256] : null, type == TpmAlg.Ecc ? (new byte[32], new byte[32]) : null));

    [Theory]
    [InlineData(TpmAlg.Sha256, TpmAlg.RsaSsa)]
    [InlineData(TpmAlg.Sha1, TpmAlg.RsaPss)]
    [InlineData(TpmAlg.Sha384, TpmAlg.EcDsa)]
    public void The_software_ak_shape_equals_the_core_template_for_an_empty_key(TpmAlg hash, TpmAlg scheme) =>
        Assert.Equal(KeyTemplates.Ak(hash, scheme), KeyTemplates.Ak(hash, scheme, [], null));
}
