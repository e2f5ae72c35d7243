using System.Security.Cryptography;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Tpm;

public class PcrTests : IClassFixture<SwtpmTpmFixture>
{
    private readonly SwtpmTpmFixture _fx;

    public PcrTests(SwtpmTpmFixture fx) => _fx = fx;

    [Theory]
    [InlineData(TpmAlg.Sha256)]
    [InlineData(TpmAlg.Sha1)]
    public void Extend_then_read_gives_hash_of_old_value_and_digest(TpmAlg bank)
    {
        using var tpm = _fx.OpenTpm();
        var before = tpm.ReadPcrs(PcrSelection.Of(bank, 16)).Values[0].Digest;
        var digest = TpmHash.Hash(bank, "keylime"u8);

        tpm.ExtendPcr(16, bank, digest);

        Assert.Equal(TpmHash.Hash(bank, [.. before, .. digest]), tpm.ReadPcrs(PcrSelection.Of(bank, 16)).Values[0].Digest);
    }

    [Fact]
    public void Reading_all_24_pcrs_loops_past_the_8_per_call_limit_and_matches_tpm2_pcrread()
    {
        using var tpm = _fx.OpenTpm();
        var values = tpm.ReadPcrs(PcrSelection.Of(TpmAlg.Sha256, [.. Enumerable.Range(0, 24)])).Values.Select(v => v.Digest).ToList();
        var file = _fx.File("pcrs.bin");
        _fx.Swtpm.Tools("tpm2_pcrread", $"sha256:all -o {file}");

        Assert.Equal(24, values.Count);
        Assert.Equal(File.ReadAllBytes(file), values.SelectMany(v => v).ToArray());
        Assert.Equal(Enumerable.Repeat((byte)0xFF, 32), values[17]); // DRTM PCRs reset to all ones
    }

    [Fact]
    public void Values_come_back_in_ascending_pcr_order()
    {
        using var tpm = _fx.OpenTpm();
        var values = tpm.ReadPcrs(PcrSelection.Of(TpmAlg.Sha256, 23, 0, 17)).Values.Select(v => v.Digest).ToList();
        Assert.Equal(new byte[32], values[0]);
        Assert.Equal(Enumerable.Repeat((byte)0xFF, 32), values[1]);
        Assert.Equal(new byte[32], values[2]);
        Assert.Equal(3, values.Count);
    }

    [Fact]
    public void An_extend_with_the_wrong_digest_size_is_refused_before_the_tpm()
    {
        using var tpm = _fx.OpenTpm();
        Assert.Throws<ArgumentException>(() => tpm.ExtendPcr(16, TpmAlg.Sha256, RandomNumberGenerator.GetBytes(20)));
    }

    [Fact]
    public void An_extend_of_a_pcr_locality_0_may_not_touch_fails_with_a_decoded_code()
    {
        using var tpm = _fx.OpenTpm();
        var e = Assert.Throws<TpmCommandException>(() => tpm.ExtendPcr(17, TpmAlg.Sha256, new byte[32]));
        Assert.Equal("PCR_Extend", e.CommandName);
        Assert.Equal("TPM_RC_LOCALITY", e.ResponseCode.Name);
    }
}
