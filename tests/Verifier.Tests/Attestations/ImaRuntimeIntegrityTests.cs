// IMA template hashes are SHA-1 by protocol.
#pragma warning disable CA5350
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Keylime.Shared.Ima;
using Keylime.Shared.Tpm;
using Keylime.Verifier.Tests.Support;

namespace Keylime.Verifier.Tests.Attestations;

/// <summary>
/// Issue 7 wiring, end to end: an agent with a runtime policy is asked for its IMA log from the
/// verified offset, passes, and fails with policy_violation once a file outside the policy runs.
/// The log lines are built here from the ima-ng layout (spec ima-and-measured-boot.md §1.3) and
/// extended into the software TPM's PCR 10 like the kernel does.
/// </summary>
public sealed class ImaRuntimeIntegrityTests(SqliteProtocolFixture fixture) : IClassFixture<SqliteProtocolFixture>
{
    [Fact]
    public async Task An_agent_with_a_runtime_policy_passes_then_fails_after_an_unlisted_file_runs()
    {
        using var agent = PushAgentSim.Software(fixture.Server);
        Measure(agent, "/usr/bin/bash", "bash");
        Measure(agent, "/usr/lib/libc.so.6", "libc");
        var policy = RuntimePolicyConverter.FromImaLog(string.Concat(agent.ImaLines.Select(l => l + "\n")), ImaHashAlgorithm.Sha1, fixture.Time);
        await agent.EnrollAsync(runtimePolicyJson: policy.ToJson());
        await agent.AuthenticateAsync();

        var first = await agent.VerdictAsync(await agent.CycleAsync());
        Assert.True(first["evaluation"]!.GetValue<string>() == "pass", first.ToJsonString());
        Assert.Equal(0, first["evidence"]![1]!["chosen_parameters"]!["starting_offset"]!.GetValue<int>());
        Assert.Equal(agent.ImaLines.Count, first["evidence"]![1]!["results"]!["certified_entry_count"]!.GetValue<int>()); // stored with the verdict
        Assert.Null(first["evidence"]![0]!["results"]); // the quote has none

        Measure(agent, "/tmp/evil", "not in the policy");
        fixture.Time.Advance(TimeSpan.FromSeconds(2));
        var (_, created, response) = await agent.CreateAttestationAsync();
        var ima = created!["data"]!["attributes"]!["evidence_requested"]![1]!;
        Assert.Equal("ima_log", ima["evidence_type"]!.GetValue<string>());
        Assert.Equal(2, ima["chosen_parameters"]!["starting_offset"]!.GetValue<int>()); // only the new entry is sent
        Assert.Equal(202, (await agent.SubmitAsync(response.Headers.Location!.OriginalString, agent.Evidence(created))).Status);

        var second = await agent.VerdictAsync(1);
        Assert.Equal("policy_violation", second["failure_reason"]!.GetValue<string>());
        Assert.Contains("/tmp/evil", second["failure_detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_IMA_log_that_does_not_replay_to_the_quoted_PCR_10_is_a_broken_evidence_chain()
    {
        using var agent = PushAgentSim.Software(fixture.Server);
        Measure(agent, "/usr/bin/bash", "bash");
        var policy = RuntimePolicyConverter.FromImaLog(agent.ImaLines[0] + "\n", ImaHashAlgorithm.Sha1, fixture.Time);
        await agent.EnrollAsync(runtimePolicyJson: policy.ToJson());
        await agent.AuthenticateAsync();
        agent.Tpm.ExtendPcr(10, TpmAlg.Sha256, SHA256.HashData("unlogged"u8)); // measured but not in the log

        var verdict = await agent.VerdictAsync(await agent.CycleAsync());
        Assert.Equal("broken_evidence_chain", verdict["failure_reason"]!.GetValue<string>());
    }

    /// <summary>Appends an ima-ng line for a file and extends PCR 10 (SHA-256 bank) with H(template data).</summary>
    internal static void Measure(PushAgentSim agent, string path, string content)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(content));
        var template = TemplateData("sha256", digest, path);
        agent.ImaLines.Add($"10 {Convert.ToHexStringLower(SHA1.HashData(template))} ima-ng sha256:{Convert.ToHexStringLower(digest)} {path}");
        agent.Tpm.ExtendPcr(10, TpmAlg.Sha256, SHA256.HashData(template));
    }

    // d-ng: u32 length, "<alg>:\0", digest; n-ng: u32 length, name, '\0' (lengths little-endian).
    private static byte[] TemplateData(string alg, byte[] digest, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var data = new byte[4 + alg.Length + 2 + digest.Length + 4 + nameBytes.Length + 1];
        var span = data.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, alg.Length + 2 + digest.Length);
        Encoding.ASCII.GetBytes(alg, span[4..]);
        span[4 + alg.Length] = (byte)':';
        digest.CopyTo(span[(4 + alg.Length + 2)..]);
        var at = 4 + alg.Length + 2 + digest.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], nameBytes.Length + 1);
        nameBytes.CopyTo(span[(at + 4)..]);
        return data;
    }
}
