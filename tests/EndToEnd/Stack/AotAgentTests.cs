using Keylime.EndToEnd.Support;
using Xunit.Abstractions;

namespace Keylime.EndToEnd.Stack;

/// <summary>
/// The shipped agent is the Native AOT binary, where trimming or reflection faults show that the JIT
/// build the other tests run cannot: the same push cycles as <see cref="PushCycleTests"/> (register,
/// activate, authenticate, three consecutive passes over HTTPS) with the published native executable.
/// The agent's resident memory is logged for the reader, not asserted (figures belong to benchmarks).
/// </summary>
[Collection("sqlite stack")]
public sealed class AotAgentTests(SqliteStack fixture, AotAgentBuild build, ITestOutputHelper output) : IClassFixture<AotAgentBuild>
{
    private readonly Support.Stack _stack = fixture.Stack;

    [Fact]
    public async Task Native_AOT_agent_on_swtpm_reaches_PASS_and_three_consecutive_cycles_pass()
    {
        var agent = await PushCycles.SwtpmAgentPassesThreeCyclesAsync(_stack, build.Executable);

        Report(agent);
    }

    [Fact]
    public async Task Native_AOT_agent_with_avoid_tpm_reaches_PASS_and_three_consecutive_cycles_pass()
    {
        var agent = await PushCycles.AvoidTpmAgentPassesThreeCyclesAsync(_stack, build.Executable);

        Report(agent);
    }

    private void Report(Agent agent)
    {
        Assert.False(agent.Process.HasExited, agent.Log);
        output.WriteLine($"AOT publish took {build.PublishTime.TotalSeconds:F0} s (once per run)");
        output.WriteLine($"AOT agent VmRSS after three passing cycles: {AotAgentBuild.ResidentSetSize(agent.Process.Pid)}");
    }
}
