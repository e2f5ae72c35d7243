namespace Keylime.EndToEnd.Support;

/// <summary>
/// The push-model acceptance flows (issue 8), shared by the JIT agent's tests and the Native AOT
/// agent's: the agent registers, activates, authenticates, and three consecutive attestations pass.
/// <c>executable</c> null runs the JIT build; otherwise that native agent binary.
/// </summary>
public static class PushCycles
{
    /// <summary>On a fresh manufactured swtpm, enrolled with its EK certificate checked; returns the still-running agent.</summary>
    public static async Task<Agent> SwtpmAgentPassesThreeCyclesAsync(Stack stack, string? executable = null)
    {
        var agent = stack.StartAgent(executable: executable);
        await Verdicts.EnrollAsync(stack, agent);

        var passes = await Verdicts.ConsecutivePassesAsync(stack, agent, 3, TimeSpan.FromSeconds(90));

        Assert.Equal(3, passes.Select(v => v.Index).Distinct().Count());
        Assert.Equal("PASS", await stack.Admin.StatusAsync(agent.Uuid));
        Assert.Contains("registered and activated", agent.Log, StringComparison.Ordinal);
        Assert.Contains("Authenticated to the verifier", agent.Log, StringComparison.Ordinal);
        // What an operator greps in the verifier's journal (issue 6): one line per event, with the agent and the verdict on it.
        var verifierLines = stack.Verifier.Log.Split('\n');
        Assert.Contains(verifierLines, l => l.StartsWith("info: ", StringComparison.Ordinal)
            && l.Contains($"Evidence received for agent {agent.Uuid} attestation ", StringComparison.Ordinal));
        Assert.Contains(verifierLines, l => l.StartsWith("info: ", StringComparison.Ordinal)
            && l.Contains($"Verification of agent {agent.Uuid} attestation ", StringComparison.Ordinal) && l.Contains(" complete: pass", StringComparison.Ordinal));
        return agent;
    }

    /// <summary>On the software TPM (<c>--avoid-tpm</c>); returns the still-running agent.</summary>
    public static async Task<Agent> AvoidTpmAgentPassesThreeCyclesAsync(Stack stack, string? executable = null)
    {
        var agent = stack.StartAgent(avoidTpm: true, executable: executable);
        await agent.WaitRegisteredAsync(TimeSpan.FromSeconds(90));
        // The software TPM has no EK certificate: enrolled as Keylime allows with require_ek_cert off.
        var add = await stack.Tenant.RunWithAsync(
            new Dictionary<string, string> { ["KEYLIME_TENANT_REQUIRE_EK_CERT"] = "False" }, "-c", "add", "--push-model", "-u", agent.Uuid);
        Assert.True(add.ExitCode == 0, add.ToString());

        var passes = await Verdicts.ConsecutivePassesAsync(stack, agent, 3, TimeSpan.FromSeconds(90));

        Assert.Equal(3, passes.Select(v => v.Index).Distinct().Count());
        Assert.Equal("PASS", await stack.Admin.StatusAsync(agent.Uuid));
        return agent;
    }
}
