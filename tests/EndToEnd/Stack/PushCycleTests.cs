using Keylime.EndToEnd.Support;

namespace Keylime.EndToEnd.Stack;

/// <summary>
/// Issue 8 acceptance and the run-stack flow: registrar + verifier + agent as real processes over
/// HTTPS on 127.0.0.1; the agent registers, activates, authenticates, and its attestations pass.
/// (The same flows run against the Native AOT agent in <see cref="AotAgentTests"/>.)
/// </summary>
[Collection("sqlite stack")]
public sealed class PushCycleTests(SqliteStack fixture)
{
    private readonly Support.Stack _stack = fixture.Stack;

    [Fact]
    public Task Agent_on_swtpm_reaches_PASS_and_three_consecutive_cycles_pass() =>
        PushCycles.SwtpmAgentPassesThreeCyclesAsync(_stack);

    [Fact]
    public Task Agent_with_avoid_tpm_reaches_PASS_and_three_consecutive_cycles_pass() =>
        PushCycles.AvoidTpmAgentPassesThreeCyclesAsync(_stack);
}
