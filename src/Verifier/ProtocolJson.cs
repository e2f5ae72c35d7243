using System.Text.Json;
using System.Text.Json.Serialization;
using Keylime.Verifier.Api;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Sessions;

namespace Keylime.Verifier;

/// <summary>Source-generated serialization of the push protocol's wire types (sessions, attestations).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(JsonApiRequest<SessionRequestAttributes>))]
[JsonSerializable(typeof(JsonApiDocument<JsonApiResource<SessionAttributes>>))]
[JsonSerializable(typeof(JsonApiRequest<AttestationRequestAttributes>))]
[JsonSerializable(typeof(JsonApiDocument<JsonApiResource<AttestationAttributes>>))]
[JsonSerializable(typeof(JsonApiDocument<List<JsonApiResource<AttestationAttributes>>>))]
[JsonSerializable(typeof(JsonApiMetaDocument<JsonApiResource<AttestationAttributes>>))]
[JsonSerializable(typeof(Capabilities))]
[JsonSerializable(typeof(ChosenParameters))]
[JsonSerializable(typeof(EvidenceData))]
[JsonSerializable(typeof(EvidenceResults))]
[JsonSerializable(typeof(JsonApiErrorDocument))]
[JsonSerializable(typeof(Dictionary<string, string[]>))]
[JsonSerializable(typeof(long[]))]
public sealed partial class ProtocolJson : JsonSerializerContext;
