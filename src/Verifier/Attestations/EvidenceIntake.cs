using System.Globalization;
using Keylime.Shared.Tpm;
using Keylime.Verifier.Api;
using Keylime.Verifier.Data;
using Keylime.Verifier.Verification;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// Phase 2 (<c>PATCH .../attestations/{index|latest}</c>, spec/verifier.md §7.3): checks in Keylime's
/// order, shape validation, then the evidence is stored (stage → evaluating_evidence, a conditional
/// update so only one PATCH can win) <em>before</em> the job is queued and the 202 is sent.
/// </summary>
public sealed partial class EvidenceIntake(VerifierSql db, VerificationQueue queue, AttestationTiming timing, PendingAttestations pending,
    TimeProvider time, ILogger<EvidenceIntake> logger)
{
    public async Task<(Attestation? Accepted, Refusal? Refusal)> SubmitAsync(string agentId, string index,
        JsonApiRequestData<AttestationRequestAttributes>? data, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (pending.Find(agentId, index) is { } known && now < known.Attestation.ChallengesExpireAt
            && data?.Type == AttestationResources.ResourceType && data.Attributes is not null
            && EvidenceValidation.Apply(known.Attestation.EvidenceItems, data.Attributes.EvidenceCollected, out var parsed) is null)
        {
            known.Attestation.SealEvidence();
            if (!queue.TryReserve())
            {
                return (null, QueueFull());
            }

            var stored = await SqlBatch.ExecuteAsync(db, AttestationStatements.EvidenceReceived(known.Attestation, now), cancellationToken);
            pending.Forget(agentId, known.Attestation.Index);
            if (stored[0] == 1)
            {
                return (Accept(known.Attestation, known.Agent, now, parsed), null);
            }

            queue.Cancel(); // no longer the latest, already submitted or deleted: the full path says which
        }

        return await SubmitReadingAsync(agentId, index, data, now, cancellationToken);
    }

    /// <summary>The full path: the latest attestation and the agent are read back, and every gate says why it refuses.</summary>
    private async Task<(Attestation? Accepted, Refusal? Refusal)> SubmitReadingAsync(string agentId, string index,
        JsonApiRequestData<AttestationRequestAttributes>? data, DateTime now, CancellationToken cancellationToken)
    {
        var latest = (await AttestationReads.LatestAsync(db, agentId, cancellationToken)).FirstOrDefault();
        if (latest is null)
        {
            return (null, ApiFailure.NotFound(AttestationService.AgentNotFound));
        }

        if (index != "latest" && index != latest.Index.ToString(CultureInfo.InvariantCulture))
        {
            return (null, new ApiFailure(403, $"attestation {index} is not the latest attestation of agent {agentId}", "old_attestation"));
        }

        if (latest.Stage != AttestationStates.AwaitingEvidence)
        {
            return (null, Immutable(agentId, latest.Index));
        }

        if (now >= latest.ChallengesExpireAt)
        {
            return (null, new ApiFailure(403, "the challenges of this attestation have expired: create a new attestation", "challenges_expired"));
        }

        if (data?.Type != AttestationResources.ResourceType || data.Attributes is null)
        {
            return (null, ApiFailure.BadRequest("data.type must be 'attestation' with attributes", "/data/type"));
        }

        var items = latest.EvidenceItems;
        if (EvidenceValidation.Apply(items, data.Attributes.EvidenceCollected, out var parsed) is { } invalid)
        {
            return (null, invalid);
        }

        latest.SealEvidence();

        // The worker verifies against this snapshot (spec §7.6 step 1 reads the agent after the evidence arrives).
        var agent = await VerificationSnapshots.AgentAsync(db, agentId, now, cancellationToken);
        if (agent is null)
        {
            return (null, ApiFailure.NotFound(AttestationService.AgentNotFound));
        }

        if (!queue.TryReserve())
        {
            return (null, QueueFull());
        }

        if (!await StoreAsync(latest, now, cancellationToken))
        {
            queue.Cancel();
            return (null, Immutable(agentId, latest.Index));
        }

        return (Accept(latest, agent, now, parsed), null);
    }

    private Attestation Accept(Attestation latest, AgentSnapshot agent, DateTime now, List<ParsedEvidence> parsed)
    {
        latest.Stage = AttestationStates.EvaluatingEvidence;
        latest.EvidenceReceivedAt = now;
        var items = latest.EvidenceItems;
        LogEvidenceReceived(logger, latest.AgentId, latest.Index, string.Join(", ", items.Select(i => i.EvidenceType)));
        queue.Enqueue(new VerificationJob(latest.AgentId, latest.Index,
            new VerificationInput(agent.Agent, latest, items)
            {
                EarliestTokenExpiry = agent.EarliestTokenExpiry, Versions = agent.Versions, Parsed = parsed,
            }));
        return latest;
    }

    /// <summary>The line an operator greps for when evidence arrives (one per cycle: generated, so nothing is boxed or looked up).</summary>
    [LoggerMessage(Level = LogLevel.Information, Message = "Evidence received for agent {AgentId} attestation {Index}: {Evidence}")]
    private static partial void LogEvidenceReceived(ILogger logger, string agentId, int index, string evidence);

    private Refusal QueueFull() =>
        new(new ApiFailure(503, "the verification queue is full; retry later", "service_unavailable"), Math.Max(1, timing.SecondsAfterEvidence));

    /// <summary>Evidence and the stage change as one atomic batch (only one PATCH can win), committed before the 202.</summary>
    private async Task<bool> StoreAsync(Attestation latest, DateTime now, CancellationToken cancellationToken) =>
        (await SqlBatch.ExecuteAsync(db, AttestationStatements.EvidenceReceived(latest, now), cancellationToken))[0] == 1;

    private static ApiFailure Immutable(string agentId, int index) =>
        new(403, $"evidence for attestation {index} of agent {agentId} was already received", "evidence_immutable");
}

/// <summary>
/// Evidence shape rules of spec §7.3 (→ 422 with pointers). On success each item's <c>Data</c> holds
/// the evidence as JSON text, ready to be saved, and <c>parsed</c> the items as read here, so the
/// verification does not parse them again.
/// </summary>
public static class EvidenceValidation
{
    private const string Pointer = "/data/attributes/evidence_collected";

    public static ApiFailure? Apply(List<EvidenceItem> requested, List<EvidenceCollected?>? collected, out List<ParsedEvidence> parsed)
    {
        parsed = new List<ParsedEvidence>(requested.Count);
        if (collected is null || collected.Count != requested.Count)
        {
            return Invalid($"evidence_collected must have exactly {requested.Count} items, in the order requested", Pointer);
        }

        for (var i = 0; i < requested.Count; i++)
        {
            var item = collected[i];
            if (item is null || item.EvidenceClass != requested[i].EvidenceClass || item.EvidenceType != requested[i].EvidenceType)
            {
                return Invalid($"item {i} must be {requested[i].EvidenceClass}/{requested[i].EvidenceType}", At(i));
            }

            if (item.Data is null)
            {
                return Invalid("data is required", $"{At(i)}/data");
            }

            var chosen = requested[i].Chosen ?? AttestationResources.Read(requested[i].ChosenParameters, ProtocolJson.Default.ChosenParameters)!;
            QuoteBlobs? quote = null;
            var failure = item.EvidenceType switch
            {
                EvidenceKinds.TpmQuote => CheckQuote(item.Data, chosen, i, out quote),
                EvidenceKinds.ImaLog => CheckIma(item.Data, chosen, AttestationResources.Read(requested[i].Capabilities, ProtocolJson.Default.Capabilities), i),
                _ => item.Data.Entries is null ? Invalid("entries are required", $"{At(i)}/data/entries") : null,
            };
            if (failure is not null)
            {
                return failure;
            }

            requested[i].Data = AttestationResources.Write(item.Data, ProtocolJson.Default.EvidenceData);
            parsed.Add(new ParsedEvidence(chosen, item.Data) { Quote = quote });
        }

        return null;
    }

    /// <summary>The pointer of item <paramref name="i"/>, made only for a refusal.</summary>
    private static string At(int i) => $"{Pointer}/{i}";

    /// <summary>The quote's parts must decode and the PCR blob must hold the PCRs requested; the decoded parts go on to the verification.</summary>
    private static ApiFailure? CheckQuote(EvidenceData data, ChosenParameters chosen, int i, out QuoteBlobs? quote)
    {
        quote = null;
        if (QuoteBlobs.Decode(data) is not { } decoded)
        {
            return BinaryText.TryDecode(data.Message, out _) && BinaryText.TryDecode(data.Signature, out _)
                ? Invalid("subject_data is required (base64 PCR blob)", $"{At(i)}/data/subject_data")
                : Invalid("message and signature are required (base64)", $"{At(i)}/data");
        }

        PcrValues values;
        try
        {
            values = PcrValues.ParseSubjectData(decoded.SubjectData);
        }
        catch (TpmFormatException e)
        {
            return Invalid($"subject_data is not a PCR blob: {e.Message}", $"{At(i)}/data/subject_data");
        }

        foreach (var (bank, pcrs) in chosen.SelectedSubjects ?? [])
        {
            if (pcrs is null)
            {
                continue;
            }

            var alg = TpmHashNames.Parse(bank);
            if (alg is null || pcrs.Any(p => values.Get(alg.Value, p) is null))
            {
                return Invalid("subject_data must contain at least the PCRs requested", $"{At(i)}/data/subject_data");
            }
        }

        quote = decoded;
        return null;
    }

    private static ApiFailure? CheckIma(EvidenceData data, ChosenParameters chosen, Capabilities? capabilities, int i)
    {
        if (data.Entries is null)
        {
            return Invalid("entries are required", $"{At(i)}/data/entries");
        }

        var lines = data.Entries.AsSpan().Count('\n');
        var expected = (capabilities?.EntryCount ?? 0) - (chosen.StartingOffset ?? 0);
        return lines < expected
            ? Invalid($"entries must contain at least {expected} entries from offset {chosen.StartingOffset}", $"{At(i)}/data/entries")
            : null;
    }

    private static ApiFailure Invalid(string message, string pointer) => new(422, message, "invalid_resource_data", pointer);
}

/// <summary>Keylime's hash names ↔ TPM algorithm ids.</summary>
public static class TpmHashNames
{
    public static TpmAlg? Parse(string? name) => name switch
    {
        "sha1" => TpmAlg.Sha1,
        "sha256" => TpmAlg.Sha256,
        "sha384" => TpmAlg.Sha384,
        "sha512" => TpmAlg.Sha512,
        _ => null,
    };

    public static TpmAlg? ParseScheme(string? name) => name switch
    {
        "rsassa" => TpmAlg.RsaSsa,
        "rsapss" => TpmAlg.RsaPss,
        "ecdsa" => TpmAlg.EcDsa,
        "ecdaa" => TpmAlg.EcDaa,
        "ecschnorr" => TpmAlg.EcSchnorr,
        _ => null,
    };
}
