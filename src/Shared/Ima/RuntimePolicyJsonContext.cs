using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keylime.Shared.Ima;

/// <summary>Source-generated JSON metadata for the few serializer calls of this folder (no reflection).</summary>
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class RuntimePolicyJsonContext : JsonSerializerContext;
