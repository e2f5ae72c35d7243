using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Tpm;

/// <summary>The command layer against a real swtpm over its TCP data socket.</summary>
public class SwtpmCommandTests : IClassFixture<SwtpmTpmFixture>
{
    private readonly SwtpmTpmFixture _fx;

    public SwtpmCommandTests(SwtpmTpmFixture fx) => _fx = fx;

    [Fact]
    public void Startup_on_an_already_started_swtpm_fails_with_TPM_RC_INITIALIZE()
    {
        using var tpm = new TpmCommands(new SwtpmTransport("127.0.0.1", _fx.Swtpm.Port));
        var e = Assert.Throws<TpmCommandException>(() => tpm.Startup());
        Assert.Equal(Tpm2Cc.Startup, e.CommandCode);
        Assert.Equal("TPM_RC_INITIALIZE", e.ResponseCode.Name);
    }

    [Fact]
    public void Read_public_of_a_missing_persistent_handle_fails_with_handle_1()
    {
        using var tpm = new TpmCommands(new SwtpmTransport("127.0.0.1", _fx.Swtpm.Port));
        var e = Assert.Throws<TpmCommandException>(() => tpm.ReadPublic(0x81000099));
        Assert.Equal(0x18Bu, e.ResponseCode.Value);
        Assert.Contains("TPM2_ReadPublic failed: TPM_RC_HANDLE (handle 1)", e.Message);
    }

    [Fact]
    public void A_truncated_get_random_fails_with_insufficient_parameter_1()
    {
        using var tpm = new TpmCommands(new SwtpmTransport("127.0.0.1", _fx.Swtpm.Port));
        var e = Assert.Throws<TpmCommandException>(() => tpm.Execute(Tpm2Cc.GetRandom, [], [], []));
        Assert.Equal("TPM_RC_INSUFFICIENT", e.ResponseCode.Name);
        Assert.Equal("parameter 1", e.ResponseCode.Subject);
    }

    [Fact]
    public void Get_capability_reports_the_sha1_and_sha256_banks_and_the_ibm_manufacturer()
    {
        using var tpm = new TpmCommands(new SwtpmTransport("127.0.0.1", _fx.Swtpm.Port));
        var allocated = tpm.GetPcrBanks().Where(b => b.IsAllocated).Select(b => b.HashAlg).ToList();
        Assert.Equal([TpmAlg.Sha1, TpmAlg.Sha256], allocated);
        Assert.Equal(24, tpm.GetPcrBanks().First(b => b.IsAllocated).Pcrs.Count);
        Assert.Equal(0x49424D00u, tpm.GetTpmProperty(Tpm2Cap.PtManufacturer));
        Assert.Equal(1024u, tpm.GetTpmProperty(Tpm2Cap.PtNvBufferMax));
        var algorithms = tpm.GetAlgorithms().Select(a => a.Alg).ToList();
        Assert.Contains(TpmAlg.RsaSsa, algorithms);
        Assert.Contains(TpmAlg.EcDsa, algorithms);
        Assert.Contains(TpmAlg.Sha384, algorithms);
    }

    [Fact]
    public void The_inventory_lists_allocated_banks_and_signing_schemes()
    {
        using var tpm = _fx.OpenTpm();
        var inventory = tpm.GetInventory();
        Assert.Equal([TpmAlg.Sha1, TpmAlg.Sha256], inventory.PcrBanks.Keys.Order());
        Assert.Equal(24, inventory.PcrBanks[TpmAlg.Sha256].Count);
        Assert.Contains(TpmAlg.RsaSsa, inventory.SigningSchemes);
        Assert.Contains(TpmAlg.RsaPss, inventory.SigningSchemes);
        Assert.Contains(TpmAlg.EcDsa, inventory.SigningSchemes);
        Assert.Equal([TpmAlg.Rsa, TpmAlg.Ecc], inventory.KeyTypes);
    }

    [Fact]
    public void Get_random_returns_the_requested_bytes()
    {
        using var tpm = new TpmCommands(new SwtpmTransport("127.0.0.1", _fx.Swtpm.Port));
        Assert.Equal(16, tpm.GetRandom(16).Length);
    }
}
