using System.Text.Json;
using System.Text.Json.Serialization;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Api;
using Keylime.Verifier.Policies;
using Keylime.Verifier.Versions;

namespace Keylime.Verifier;

/// <summary>
/// Source-generated serialization for every wire type of the verifier (no reflection per request).
/// Names are given explicitly on the records; nulls are written (Keylime's status shows them).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(V2Response<EmptyResults>))]
[JsonSerializable(typeof(V2Response<AgentStatus>))]
[JsonSerializable(typeof(V2Response<AgentIdList>))]
[JsonSerializable(typeof(V2Response<Dictionary<string, AgentStatus>>))]
[JsonSerializable(typeof(V2Response<VersionInfo>))]
[JsonSerializable(typeof(V2Response<RuntimePolicyNames>))]
[JsonSerializable(typeof(V2Response<RuntimePolicyView>))]
[JsonSerializable(typeof(V2Response<MeasuredBootPolicyNames>))]
[JsonSerializable(typeof(V2Response<MeasuredBootPolicyView>))]
[JsonSerializable(typeof(EnrollRequest))]
[JsonSerializable(typeof(RuntimePolicyUpload))]
[JsonSerializable(typeof(MeasuredBootPolicyUpload))]
[JsonSerializable(typeof(JsonApiErrorDocument))]
[JsonSerializable(typeof(JsonApiRequest<EnrollRequest>))]
[JsonSerializable(typeof(JsonApiRequest<AgentPatch>))]
[JsonSerializable(typeof(JsonApiRequest<ImaPolicyAttributes>))]
[JsonSerializable(typeof(JsonApiRequest<UefiRefstateAttributes>))]
[JsonSerializable(typeof(JsonApiDocument<JsonApiResource<AgentStatus>>))]
[JsonSerializable(typeof(JsonApiDocument<List<JsonApiResource<AgentStatus>>>))]
[JsonSerializable(typeof(JsonApiDocument<JsonApiResource<ImaPolicyAttributes>>))]
[JsonSerializable(typeof(JsonApiDocument<List<JsonApiResource<ImaPolicyAttributes>>>))]
[JsonSerializable(typeof(JsonApiDocument<JsonApiResource<UefiRefstateAttributes>>))]
[JsonSerializable(typeof(JsonApiDocument<List<JsonApiResource<UefiRefstateAttributes>>>))]
public sealed partial class VerifierJson : JsonSerializerContext;
