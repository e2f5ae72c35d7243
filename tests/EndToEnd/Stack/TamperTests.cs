using System.Text;
using Keylime.EndToEnd.Support;

namespace Keylime.EndToEnd.Stack;

/// <summary>
/// A machine whose state changes after enrollment fails its next attestation: a PCR the policy
/// names is extended in the (sw)TPM, or a file the runtime policy does not list is measured by IMA.
/// </summary>
[Collection("sqlite stack")]
public sealed class TamperTests(SqliteStack fixture)
{
    private static readonly string ZeroSha256 = new('0', 64);
    private readonly Support.Stack _stack = fixture.Stack;

    [Fact]
    public async Task Extending_a_policy_PCR_in_swtpm_fails_the_next_verdict_with_policy_violation()
    {
        var agent = _stack.StartAgent();
        await Verdicts.EnrollAsync(_stack, agent, "--tpm_policy", $"{{\"23\": [\"{ZeroSha256}\"]}}");
        await Verdicts.ConsecutivePassesAsync(_stack, agent, 1, TimeSpan.FromSeconds(90));

        var before = await Verdicts.LatestIndexAsync(_stack, agent);
        agent.Tpm!.Tools("tpm2_pcrextend", $"23:sha256={Convert.ToHexStringLower(new byte[32].Select(_ => (byte)0xAB).ToArray())}");
        var next = await Verdicts.NextCompletedAsync(_stack, agent, before, TimeSpan.FromSeconds(60));

        Assert.Equal(("fail", "policy_violation"), (next.Evaluation, next.FailureReason));
        await Verdicts.StatusAsync(_stack, agent, "FAIL", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_unlisted_file_appended_to_the_IMA_log_fails_the_next_verdict_with_policy_violation()
    {
        var allowed = ImaMeasurement.ForFile("/usr/bin/e2e-allowed", Encoding.UTF8.GetBytes("allowed"));
        var agent = _stack.StartAgent(prepareTpm: tpm => tpm.Tools("tpm2_pcrextend", allowed.PcrExtendArgument));
        File.WriteAllText(agent.ImaLogPath, allowed.Line + "\n");
        var policy = Path.Combine(agent.Directory, "runtime-policy.json");
        File.WriteAllText(policy, ImaMeasurement.RuntimePolicy(("/usr/bin/e2e-allowed", allowed)));
        await Verdicts.EnrollAsync(_stack, agent, "--runtime-policy", policy);
        await Verdicts.ConsecutivePassesAsync(_stack, agent, 2, TimeSpan.FromSeconds(90));

        // As the kernel does (ima_add_template_entry): append to the measurement list, then extend PCR 10.
        var unlisted = ImaMeasurement.ForFile("/usr/bin/e2e-unlisted", Encoding.UTF8.GetBytes("not in the policy"));
        var before = await Verdicts.LatestIndexAsync(_stack, agent);
        File.AppendAllText(agent.ImaLogPath, unlisted.Line + "\n");
        agent.Tpm!.Tools("tpm2_pcrextend", unlisted.PcrExtendArgument);
        var next = await Verdicts.NextCompletedAsync(_stack, agent, before, TimeSpan.FromSeconds(60));

        Assert.Equal(("fail", "policy_violation"), (next.Evaluation, next.FailureReason));
        await Verdicts.StatusAsync(_stack, agent, "FAIL", TimeSpan.FromSeconds(10));
    }
}
