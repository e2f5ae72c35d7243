using System.Text.Json.Serialization;

namespace Keylime.PushAgent.Protocol;

/// <summary>
/// Source-generated (reflection-free, trimming-safe) JSON for every wire type: snake_case names,
/// nulls left out, unknown members ignored so newer verifiers can add fields.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionRequest))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(CapabilitiesRequest))]
[JsonSerializable(typeof(CapabilitiesResponse))]
[JsonSerializable(typeof(EvidenceSubmission))]
[JsonSerializable(typeof(EvidenceAccepted))]
[JsonSerializable(typeof(ErrorDocument))]
[JsonSerializable(typeof(RegistrarEnvelope<RegistrarVersion>))]
[JsonSerializable(typeof(RegistrarEnvelope<RegistrationBlob>))]
[JsonSerializable(typeof(RegistrarEnvelope<EmptyResults>))]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(ActivateRequest))]
public sealed partial class AgentJsonContext : JsonSerializerContext;
