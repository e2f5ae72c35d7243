using System.Text.Json.Serialization;

namespace Keylime.Registrar.Api;

/// <summary>Source-generated serializers for every wire type of the registrar (no reflection per request).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Envelope<EmptyResults>))]
[JsonSerializable(typeof(Envelope<VersionResults>))]
[JsonSerializable(typeof(Envelope<BlobResults>))]
[JsonSerializable(typeof(Envelope<AgentListResults>))]
[JsonSerializable(typeof(Envelope<AgentResults>))]
[JsonSerializable(typeof(ErrorDocument))]
public sealed partial class RegistrarJsonContext : JsonSerializerContext;
