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

    public static JsonApiResource<AttestationAttributes> Resource(string prefix, Attestation attestation, IEnumerable<EvidenceItem> items, bool requestedOnly)
    {
        var views = items.OrderBy(i => i.Position).Select(i => View(i, requestedOnly)).ToList();
        var attributes = new AttestationAttributes
        {
            Stage = attestation.Stage,
            Evaluation = requestedOnly ? null : attestation.Evaluation,
            FailureReason = attestation.FailureReason,
            FailureDetail = attestation.FailureDetail,
            EvidenceRequested = requestedOnly ? views : null,
            Evidence = requestedOnly ? null : views,
            SystemInfo = new SystemInfo(Timestamps.Format(attestation.BootTime)),
            CapabilitiesReceivedAt = Timestamps.Format(attestation.CapabilitiesReceivedAt),
            ChallengesExpireAt = Timestamps.Format(attestation.ChallengesExpireAt),
            EvidenceReceivedAt = Timestamps.Format(attestation.EvidenceReceivedAt),
            VerificationCompletedAt = Timestamps.Format(attestation.VerificationCompletedAt),
        };
        return new JsonApiResource<AttestationAttributes>(ResourceType, attestation.Index.ToString(CultureInfo.InvariantCulture), attributes,
            new JsonApiLinks(SelfLink(prefix, attestation.AgentId, attestation.Index)));
    }

    public static EvidenceView View(EvidenceItem item, bool requestedOnly) => new()
    {
        EvidenceClass = item.EvidenceClass,
        EvidenceType = item.EvidenceType,
        Capabilities = requestedOnly ? null : StoredJson.Of(item.Capabilities),
        ChosenParameters = StoredJson.Of(item.ChosenParameters),
        Data = requestedOnly ? null : StoredJson.Of(item.Data),
        Results = requestedOnly ? null : StoredJson.Of(item.Results),
    };

    public static T? Read<T>(string? json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, type);

    public static string Write<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);
}
