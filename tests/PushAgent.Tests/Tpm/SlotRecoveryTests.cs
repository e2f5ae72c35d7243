using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Tpm;

/// <summary>swtpm has 3 transient slots and no resource manager: a killed agent must not lock out the next one.</summary>
public class SlotRecoveryTests : IClassFixture<SwtpmTpmFixture>
{
    private readonly SwtpmTpmFixture _fx;

    public SlotRecoveryTests(SwtpmTpmFixture fx) => _fx = fx;

    [Fact]
    public void An_agent_restarted_after_being_killed_twice_flushes_the_stale_keys_and_starts()
    {
        var path = AgentDataStore.DefaultPath(_fx.File("killed"));
        for (var run = 0; run < 2; run++)
        {
            // A "killed" agent: keys loaded, never disposed, so EK and AK stay in the TPM.
            var killed = _fx.OpenTpm();
            killed.LoadEndorsementKey(TpmAlg.Rsa);
            killed.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);
        }

        using var tpm = _fx.OpenTpm();
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        var ak = tpm.LoadAttestationKey(TpmAlg.Sha256, TpmAlg.RsaSsa, path);
        var quote = tpm.Quote("after recovery"u8, PcrSelection.Of(TpmAlg.Sha256, 0));

        Assert.True(ak.Reused);
        Assert.True(AttestCheck.SignatureVerifies(ak.Public, quote.Attest, quote.Signature));
        Assert.Equal(2, tpm.Commands.GetHandles(0x80000000, 0x100).Count);
    }

    [Fact]
    public void Transient_objects_left_by_tools_do_not_stop_the_ek_from_loading()
    {
        for (var i = 0; i < 3; i++)
        {
            _fx.Swtpm.Tools("tpm2_createek", $"-G rsa -u {_fx.File($"tool{i}.pub")} -c {_fx.File($"tool{i}.ctx")}");
        }

        using var tpm = _fx.OpenTpm();
        var ek = tpm.LoadEndorsementKey(TpmAlg.Rsa);

        Assert.Equal(File.ReadAllBytes(_fx.File("tool0.pub")), ek.Public);
    }
}
