using System.Text.Json.Serialization;

namespace Keylime.LoadGenerator;

/// <summary>The one response the push agent's wire types do not cover: an attestation read back for its verdict (spec/verifier.md §7.4).</summary>
public sealed record AttestationDocument(AttestationResource? Data);

public sealed record AttestationResource(string? Id, AttestationVerdict? Attributes);

public sealed record AttestationVerdict(string? Stage, string? Evaluation, string? FailureReason);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AttestationDocument))]
public sealed partial class LoadJson : JsonSerializerContext;
