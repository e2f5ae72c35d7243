using System.Globalization;
using Keylime.Verifier.Api;
using Keylime.Verifier.Data;
using Keylime.Verifier.Verification;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Attestations;

/// <summary>A refusal with an optional Retry-After (429 premature, 503 in progress / queue full).</summary>
public sealed record Refusal(ApiFailure Failure, int? RetryAfter = null)
{
    public static implicit operator Refusal(ApiFailure failure) => new(failure);
}

/// <summary>
/// Phase 1 (<c>POST .../attestations</c>, spec/verifier.md §7.2) and the reads of §7.4. The gates run in
/// Keylime's order; deviations: a timed-out agent (<c>accept_attestations = false</c>) is refused with
/// 403 until an admin reactivates it (issue 6), and an agent with no policy still gets a quote request.
/// </summary>
public sealed class AttestationService(
    VerifierSql db, AttestationQueries queries, AttestationTiming timing, PendingAttestations pending, RecentVerdicts recentVerdicts,
    CarriedSnapshots carried, TimeProvider time, ILogger<AttestationService> logger)
{
    public const string AgentNotFound = "agent not found";

    public async Task<(Attestation? Created, Refusal? Refusal)> CreateAsync(string agentId, AttestationRequestAttributes request,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // After a verdict recorded here: the snapshot it carried, decided on without a read and stored only if
        // the INSERT finds the agent, its policies and its latest attestation unchanged; otherwise the full path.
        if (carried.Take(agentId) is { Versions: { } versions } carriedSnapshot
            && Decide(agentId, carriedSnapshot, request, now) is ({ } planned, null))
        {
            var (stored, conflict) = await StoreAsync(AttestationStatements.CreateIfUnchanged(planned, versions, carriedSnapshot.Latest.Index),
                agentId, cancellationToken);
            if (conflict is not null || stored)
            {
                return conflict is null ? (Created(planned, carriedSnapshot), null) : (null, conflict);
            }
        }

        var snapshot = await VerificationSnapshots.AgentAsync(db, agentId, now, cancellationToken);
        if (snapshot is null)
        {
            return (null, ApiFailure.NotFound(AgentNotFound));
        }

        var (attestation, refusal) = Decide(agentId, snapshot, request, now);
        if (refusal is not null)
        {
            return (null, refusal);
        }

        var (_, refused) = await StoreAsync(AttestationStatements.Create(attestation!), agentId, cancellationToken);
        return refused is null ? (Created(attestation!, snapshot), null) : (null, refused);
    }

    /// <summary>The gates of phase 1 and the negotiation, on <paramref name="snapshot"/>: the attestation to store, or the refusal.</summary>
    private (Attestation? Attestation, Refusal? Refusal) Decide(string agentId, AgentSnapshot snapshot, AttestationRequestAttributes request, DateTime now)
    {
        var agent = snapshot.Agent;
        if (!agent.AcceptAttestations)
        {
            return (null, new ApiFailure(403, $"Attestations for agent {agentId} are disabled (timed out or stopped); an admin must reactivate it",
                "agent_attestations_disabled"));
        }

        var latest = LatestOf(agentId, snapshot.Latest);
        if (latest is not null && Gate(latest, now) is { } gate)
        {
            return (null, gate);
        }

        var ima = (agent.RuntimePolicy?.Generator ?? 0) > RuntimePolicy.EmptyPolicyGenerator;
        var bootTime = ParseBootTime(request.SystemInfo?.BootTime);
        if (bootTime is null && ima)
        {
            return (null, new ApiFailure(422, "system_info.boot_time is required", "invalid_resource_data", "/data/attributes/system_info/boot_time"));
        }

        var boot = bootTime ?? DateTime.UnixEpoch;
        var bootSeconds = new DateTimeOffset(boot).ToUnixTimeSeconds();
        if (ima && agent.BootTime > 0 && bootSeconds < agent.BootTime)
        {
            return (null, new ApiFailure(422, "system_info.boot_time is earlier than the boot time already attested", "invalid_resource_data",
                "/data/attributes/system_info/boot_time"));
        }

        long? offset = ima && agent.Pcr10 is not null && agent.BootTime == bootSeconds ? agent.NextImaMlEntry : 0;
        var hasMb = !string.IsNullOrEmpty(agent.MbPolicy?.MbPolicy);
        var needs = new EvidenceNeeds(EvidenceNegotiation.RequiredPcrs(PcrPolicy.Parse(agent.TpmPolicy).Keys, hasMb, ima),
            hasMb, ima, agent.AcceptTpmHashAlgs, agent.AcceptTpmSigningAlgs, agent.AkTpm);
        var negotiated = EvidenceNegotiation.Negotiate(request.EvidenceSupported, needs, offset);
        if (negotiated.Failure is { } invalid)
        {
            return (null, invalid);
        }

        var attestation = new Attestation
        {
            AgentId = agentId,
            Index = (latest?.Index ?? -1) + 1,
            BootTime = boot,
            CapabilitiesReceivedAt = now,
            ChallengesExpireAt = now + timing.ChallengeLifetime,
        };
        attestation.EvidenceItems = [.. negotiated.Value!.Select((r, i) => new EvidenceItem
        {
            Position = i,
            EvidenceClass = r.EvidenceClass,
            EvidenceType = r.EvidenceType,
            Capabilities = AttestationResources.Write(r.Capabilities, ProtocolJson.Default.Capabilities),
            ChosenParameters = AttestationResources.Write(r.ChosenParameters, ProtocolJson.Default.ChosenParameters),
            Chosen = r.ChosenParameters,
        })];
        return (attestation, null);
    }

    /// <summary>Runs the INSERT: whether it took effect, or the 409 of a concurrent creation.</summary>
    private async Task<(bool Stored, Refusal? Conflict)> StoreAsync(List<SqlStatement> insert, string agentId, CancellationToken cancellationToken)
    {
        var affected = Array.Empty<int>();
        var conflict = await StoreConflicts.RunAsync(async () => affected = await SqlBatch.ExecuteAsync(db, insert, cancellationToken),
            $"another attestation for agent {agentId} was created concurrently");
        return conflict is null ? (affected[0] == 1, null) : (false, new Refusal(conflict));
    }

    private Attestation Created(Attestation attestation, AgentSnapshot snapshot)
    {
        pending.Remember(new PendingAttestation(attestation, snapshot));
        // Debug: the operator's lines are evidence received and verification complete (issue 6); this one
        // would add a third line per cycle to the journal.
        logger.LogDebug("Attestation {Index} of agent {AgentId} created: requested {Evidence}", attestation.Index, attestation.AgentId,
            string.Join(", ", attestation.EvidenceItems.Select(i => i.EvidenceType)));
        return attestation;
    }

    /// <summary>
    /// The agent's attestations with their evidence (all, one index, or <c>latest</c>) in one query; null
    /// when the agent is unknown, which is asked only when nothing was found (deleting an agent deletes
    /// its attestations, so a found attestation proves the agent).
    /// </summary>
    public async Task<List<Attestation>?> ListAsync(string agentId, string? index, CancellationToken cancellationToken)
    {
        List<Attestation> attestations;
        if (index == "latest")
        {
            attestations = await AttestationReads.LatestAsync(db, agentId, cancellationToken);
        }
        else if (index is null)
        {
            attestations = await AttestationReads.AllAsync(db, agentId, cancellationToken);
        }
        else if (int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            attestations = recentVerdicts.Find(agentId, number) is { } recorded
                ? [recorded] // the verdict this process just recorded: the poll that waits for it reads nothing
                : await AttestationReads.OneAsync(db, agentId, number, cancellationToken);
        }
        else
        {
            attestations = [];
        }

        if (attestations.Count == 0 && !await queries.AgentExists(db.Context, agentId, cancellationToken))
        {
            return null;
        }

        return attestations;
    }

    private static Attestation? LatestOf(string agentId, LatestTiming latest) =>
        latest.Index is not { } index
            ? null
            : new Attestation
            {
                AgentId = agentId,
                Index = index,
                Stage = latest.Stage!,
                CapabilitiesReceivedAt = latest.CapabilitiesReceivedAt!.Value,
                ChallengesExpireAt = latest.ChallengesExpireAt!.Value,
                EvidenceReceivedAt = latest.EvidenceReceivedAt,
            };

    private Refusal? Gate(Attestation latest, DateTime now)
    {
        var decision = timing.SecondsToDecision(latest, now);
        if (decision > 0)
        {
            return new Refusal(new ApiFailure(503, "the previous attestation is still being verified", "verification_in_progress"), decision);
        }

        var next = timing.SecondsToNextAttestation(latest, now);
        return next > 0
            ? new Refusal(new ApiFailure(429, $"attestation requested too early; retry in {next} seconds", "premature_attestation"), next)
            : null;
    }

    private static DateTime? ParseBootTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.UtcDateTime
            : null;
}
