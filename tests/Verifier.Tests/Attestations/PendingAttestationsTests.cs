using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Keylime.Verifier.Verification;

namespace Keylime.Verifier.Tests.Attestations;

/// <summary>The in-memory hand-over from phase 1 to phase 2: one entry per agent, private copies, dropped on any change.</summary>
public sealed class PendingAttestationsTests
{
    private static PendingAttestation Pending(string agentId, int index)
    {
        var attestation = new Attestation { AgentId = agentId, Index = index, ChallengesExpireAt = DateTime.UtcNow.AddMinutes(1) };
        attestation.EvidenceItems.Add(new EvidenceItem
        {
            EvidenceClass = EvidenceKinds.Certification, EvidenceType = EvidenceKinds.TpmQuote,
            ChosenParameters = """{"challenge":"abc"}""",
        });
        var agent = new Agent { AgentId = agentId, AkTpm = [1], TpmPolicy = "{}", VerifierId = "v" };
        return new PendingAttestation(attestation, new AgentSnapshot(agent, null, new LatestTiming(null, null, null, null, null)));
    }

    [Fact]
    public void The_latest_or_its_own_index_is_found_and_another_index_is_not()
    {
        var pending = new PendingAttestations();
        pending.Remember(Pending("a", 3));

        Assert.Equal(3, pending.Find("a", "latest")!.Attestation.Index);
        Assert.Equal(3, pending.Find("a", "3")!.Attestation.Index);
        Assert.Null(pending.Find("a", "2"));
        Assert.Null(pending.Find("a", "03x"));
        Assert.Null(pending.Find("b", "latest"));
    }

    [Fact]
    public void A_found_attestation_is_a_copy_so_one_request_filling_in_evidence_does_not_change_another()
    {
        var pending = new PendingAttestations();
        pending.Remember(Pending("a", 0));

        pending.Find("a", "latest")!.Attestation.EvidenceItems[0].Data = """{"message":"x"}""";

        Assert.Null(pending.Find("a", "latest")!.Attestation.EvidenceItems[0].Data);
        Assert.Equal("""{"challenge":"abc"}""", pending.Find("a", "0")!.Attestation.EvidenceItems[0].ChosenParameters);
    }

    [Fact]
    public async Task A_newer_attestation_replaces_the_entry_and_deletion_or_a_changed_enrollment_drops_it()
    {
        var pending = new PendingAttestations();
        pending.Remember(Pending("a", 0));
        pending.Remember(Pending("a", 1));
        pending.Forget("a", 0); // a stale forget of the older index keeps the newer entry
        Assert.Equal(1, pending.Find("a", "latest")!.Attestation.Index);

        await pending.AgentChangedAsync("a", CancellationToken.None);
        Assert.Null(pending.Find("a", "latest"));

        pending.Remember(Pending("a", 2));
        await pending.AgentRemovedAsync("a", CancellationToken.None);
        Assert.Null(pending.Find("a", "latest"));
    }
}
