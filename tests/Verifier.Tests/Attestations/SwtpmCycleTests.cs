using Keylime.PushAgent.Tpm;
using Keylime.TestSupport;
using Keylime.Verifier.Tests.Support;

namespace Keylime.Verifier.Tests.Attestations;

/// <summary>
/// The acceptance cycle with a real TPM: swtpm, an AK created in it (by the push agent's TPM layer:
/// TPM2_CreatePrimary EK, TPM2_Create/Load AK), PoP with TPM2_Certify over the challenge, TPM2_Quote
/// over the negotiated PCRs with the nonce, evidence over HTTPS, verdict pass.
/// </summary>
public sealed class SwtpmCycleTests(SqliteProtocolFixture fixture) : IClassFixture<SqliteProtocolFixture>
{
    [Fact]
    public async Task A_real_swtpm_quote_cycle_passes()
    {
        using var swtpm = Swtpm.Start();
        using var agent = new PushAgentSim(fixture.Server, HardwareTpm.Open(swtpm.Tcti));
        await agent.EnrollAsync();
        var (status, session) = await agent.AuthenticateAsync();
        Assert.True(status == 200 && agent.Token is not null, $"{status} {session}");

        var first = await agent.VerdictAsync(await agent.CycleAsync());
        Assert.True(first["evaluation"]!.GetValue<string>() == "pass", first.ToJsonString());
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        var second = await agent.VerdictAsync(await agent.CycleAsync()); // the TPM clock advanced: monotonic check passes
        Assert.True(second["evaluation"]!.GetValue<string>() == "pass", second.ToJsonString());
    }
}
