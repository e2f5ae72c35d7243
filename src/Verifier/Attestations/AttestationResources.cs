using System.Globalization;
using System.Text.Json;
using Keylime.Verifier.Api;
using Keylime.Verifier.Data;
using Keylime.Verifier.Sessions;

namespace Keylime.Verifier.Attestations;

/// <summary>Renders stored attestations and evidence items as JSON:API resources (spec §7.2–7.4).</summary>
public static class AttestationResources
{
    public const string ResourceType = "attestation";

    public static string SelfLink(string prefix, string agentId, int index) =>
        $"{prefix}/agents/{agentId}/attestations/{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The attestation as a resource: with <paramref name="requestedOnly"/> what phase 1 answers (the requested
    /// items' class, type and chosen parameters), otherwise everything, the <c>evidence</c> array being the
    /// stored column verbatim (<see cref="EvidenceColumn"/> writes exactly this rendering).
    /// </summary>
    public static JsonApiResource<AttestationAttributes> Resource(string prefix, Attestation attestation, bool requestedOnly)
    {
        var attributes = new AttestationAttributes
        {
            Stage = attestation.Stage,
            Evaluation = requestedOnly ? null : attestation.Evaluation,
            FailureReason = attestation.FailureReason,
            FailureDetail = attestation.FailureDetail,
            EvidenceRequested = requestedOnly ? [.. attestation.EvidenceItems.OrderBy(i => i.Position).Select(Requested)] : null,
            Evidence = requestedOnly ? null : new StoredJson(attestation.EvidenceJson),
            SystemInfo = new SystemInfo(Timestamps.Format(attestation.BootTime)),
            CapabilitiesReceivedAt = Timestamps.Format(attestation.CapabilitiesReceivedAt),
            ChallengesExpireAt = Timestamps.Format(attestation.ChallengesExpireAt),
            EvidenceReceivedAt = Timestamps.Format(attestation.EvidenceReceivedAt),
            VerificationCompletedAt = Timestamps.Format(attestation.VerificationCompletedAt),
        };
        return new JsonApiResource<AttestationAttributes>(ResourceType, attestation.Index.ToString(CultureInfo.InvariantCulture), attributes,
            new JsonApiLinks(SelfLink(prefix, attestation.AgentId, attestation.Index)));
    }

    /// <summary>A requested item as phase 1 renders it: class, type and chosen parameters.</summary>
    public static EvidenceView Requested(EvidenceItem item) => new()
    {
        EvidenceClass = item.EvidenceClass,
        EvidenceType = item.EvidenceType,
        ChosenParameters = StoredJson.Of(item.ChosenParameters),
    };

    public static T? Read<T>(string? json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, type);

    public static string Write<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);
}
