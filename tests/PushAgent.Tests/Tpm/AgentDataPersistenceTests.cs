using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Tpm;

public class AgentDataPersistenceTests : IClassFixture<SwtpmTpmFixture>
{
    private readonly SwtpmTpmFixture _fx;

    public AgentDataPersistenceTests(SwtpmTpmFixture fx) => _fx = fx;

    [Fact]
    public void The_ak_stored_in_agent_data_is_reloaded_under_the_rederived_ek_after_a_restart()
    {
        var path = AgentDataStore.DefaultPath(_fx.File("restart"));
        AgentAttestationKey first;
        using (var tpm = _fx.OpenTpm())
        {
            tpm.LoadEndorsementKey(TpmAlg.Rsa);
            first = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);
            Assert.False(first.Reused);
        }

        Assert.True(File.Exists(path));
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(path) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));

        using var restarted = _fx.OpenTpm();
        restarted.LoadEndorsementKey(TpmAlg.Rsa);
        var second = restarted.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);

        Assert.True(second.Reused);
        Assert.Equal(first.Public, second.Public);
        Assert.Equal(first.Name, second.Name);
        var quote = restarted.Quote("after restart"u8, PcrSelection.Of(TpmAlg.Sha256, 0, 1));
        Assert.True(AttestCheck.SignatureVerifies(first.Public, quote.Attest, quote.Signature));
    }

    [Fact]
    public void A_stored_ak_with_other_algorithms_is_replaced_and_the_file_rewritten()
    {
        var path = AgentDataStore.DefaultPath(_fx.File("change"));
        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var rsa = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);

        var ecc = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.EcDsa, path);

        Assert.False(ecc.Reused);
        Assert.NotEqual(rsa.Public, ecc.Public);
        var stored = AgentDataStore.TryLoad(path)!;
        Assert.Equal("ecdsa", stored.AkSignAlg);
        Assert.Equal("sha256", stored.AkHashAlg);
        Assert.Equal("ecc", stored.AkKeyAlg);
        Assert.Equal(ecc.Public, Convert.FromBase64String(stored.AkPublic));
    }

    [Fact]
    public void A_stored_ak_made_under_another_ek_is_not_reused()
    {
        var path = AgentDataStore.DefaultPath(_fx.File("ekchange"));
        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);

        tpm.LoadEndorsementKey(TpmAlg.Ecc);
        var again = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);

        Assert.False(again.Reused);
    }

    [Fact]
    public void A_corrupt_agent_data_file_costs_only_a_new_ak()
    {
        var dir = Directory.CreateDirectory(_fx.File("corrupt")).FullName;
        var path = AgentDataStore.DefaultPath(dir);
        File.WriteAllText(path, "{ not json");
        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);

        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);

        Assert.False(ak.Reused);
        Assert.NotNull(AgentDataStore.TryLoad(path));
    }

    [Fact]
    public void A_stored_blob_the_tpm_refuses_is_replaced_by_a_new_ak()
    {
        var path = AgentDataStore.DefaultPath(_fx.File("refused"));
        using var tpm = _fx.OpenTpm();
        var ek = tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var good = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);
        var stored = AgentDataStore.TryLoad(path)!;
        var priv = Convert.FromBase64String(stored.AkPrivate);
        priv[^1] ^= 0xFF;
        AgentDataStore.Save(path, stored with { AkPrivate = Convert.ToBase64String(priv) });

        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);

        Assert.False(ak.Reused);
        Assert.NotEqual(good.Public, ak.Public);
        Assert.Equal(Convert.ToHexStringLower(ek.Name), AgentDataStore.TryLoad(path)!.EkName);
    }
}
