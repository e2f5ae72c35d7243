using System.Text.Json.Serialization;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// Attributes of <c>POST</c> (capabilities) and <c>PATCH</c> (evidence) on
/// <c>/v3.0/agents/{id}/attestations</c>, exactly as the Rust push agent sends them (spec/verifier.md §7.2–7.3).
/// </summary>
public sealed record AttestationRequestAttributes(
    List<EvidenceSupported?>? EvidenceSupported,
    List<EvidenceCollected?>? EvidenceCollected,
    SystemInfo? SystemInfo);

public sealed record SystemInfo(string? BootTime);

public sealed record EvidenceSupported(string? EvidenceClass, string? EvidenceType, Capabilities? Capabilities);

public sealed record EvidenceCollected(string? EvidenceClass, string? EvidenceType, EvidenceData? Data);

/// <summary>Capabilities of a certification item (tpm_quote) or a log item (uefi_log, ima_log); absent fields are omitted.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record Capabilities
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ComponentVersion { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? HashAlgorithms { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? SignatureSchemes { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, List<int>?>? AvailableSubjects { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<CertificationKey?>? CertificationKeys { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? EvidenceVersion { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? EntryCount { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? SupportsPartialAccess { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Appendable { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? Formats { get; init; }
}

public sealed record CertificationKey
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? KeyClass { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? KeyAlgorithm { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? KeySize { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ServerIdentifier { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? LocalIdentifier { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Public { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? AllowableHashAlgorithms { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? AllowableSignatureSchemes { get; init; }
}

/// <summary>What the verifier asks for in one evidence item.</summary>
public sealed record ChosenParameters
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Challenge { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? SignatureScheme { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? HashAlgorithm { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, List<int>?>? SelectedSubjects { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public CertificationKey? CertificationKey { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? StartingOffset { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? EntryCount { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Format { get; init; }
}

/// <summary>Evidence data: the quote (subject_data, message, signature) or a log (entries, entry_count).</summary>
public sealed record EvidenceData
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? SubjectData { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Message { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Signature { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Entries { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? EntryCount { get; init; }
}

/// <summary>Verification results of one item (IMA: how many received entries the quote covers).</summary>
public sealed record EvidenceResults([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CertifiedEntryCount);

/// <summary>
/// One requested evidence item as phase 1 renders it (class, type, chosen parameters). The parameters are
/// the stored JSON text, written as it is: it was serialised from <see cref="ChosenParameters"/> with these
/// same options, so parsing and writing it again would only reproduce the same bytes. (Reads render the
/// whole <c>evidence</c> array from the stored column the same way.)
/// </summary>
public sealed record EvidenceView
{
    public required string EvidenceClass { get; init; }
    public required string EvidenceType { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public StoredJson? ChosenParameters { get; init; }
}

/// <summary>A JSON value this verifier serialised and stored itself, written back verbatim.</summary>
[JsonConverter(typeof(StoredJsonConverter))]
public readonly record struct StoredJson(string Text)
{
    public static StoredJson? Of(string? text) => string.IsNullOrEmpty(text) ? null : new StoredJson(text);
}

public sealed class StoredJsonConverter : System.Text.Json.Serialization.JsonConverter<StoredJson>
{
    public override StoredJson Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
        return new StoredJson(document.RootElement.GetRawText());
    }

    // Only text this process wrote through its own serializer reaches here, so it needs no second validation.
    public override void Write(System.Text.Json.Utf8JsonWriter writer, StoredJson value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Text, skipInputValidation: true);
}

/// <summary>The attestation resource's attributes (spec/verifier.md §7.2 response, §7.4 reads).</summary>
public sealed record AttestationAttributes
{
    public required string Stage { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Evaluation { get; init; }

    /// <summary>Rendered (Keylime stores but hides it): null, broken_evidence_chain or policy_violation.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? FailureReason { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? FailureDetail { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<EvidenceView>? EvidenceRequested { get; init; }

    /// <summary>Every item with its data and results: the stored <c>evidence</c> column, written verbatim.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public StoredJson? Evidence { get; init; }
    public required SystemInfo SystemInfo { get; init; }
    public required string CapabilitiesReceivedAt { get; init; }
    public required string ChallengesExpireAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? EvidenceReceivedAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? VerificationCompletedAt { get; init; }
}

public sealed record AttestationMeta(int SecondsToNextAttestation);

/// <summary>A JSON:API document with a top-level <c>meta</c> (the 202 carries the next-attestation delay there).</summary>
public sealed record JsonApiMetaDocument<T>(
    T Data,
    AttestationMeta Meta,
    Api.JsonApiLinks Links)
{
    public Api.JsonApiVersion Jsonapi { get; init; } = Api.JsonApiVersion.Current;
}

/// <summary>Evidence classes and types of the protocol.</summary>
public static class EvidenceKinds
{
    public const string Certification = "certification";
    public const string Log = "log";
    public const string TpmQuote = "tpm_quote";
    public const string UefiLog = "uefi_log";
    public const string ImaLog = "ima_log";
    public const string OctetStream = "application/octet-stream";
    public const string TextPlain = "text/plain";
}

/// <summary>Stages, evaluations and failure reasons (spec/verifier.md §7.1).</summary>
public static class AttestationStates
{
    public const string AwaitingEvidence = "awaiting_evidence";
    public const string EvaluatingEvidence = "evaluating_evidence";
    public const string VerificationComplete = "verification_complete";
    public const string Pending = "pending";
    public const string Pass = "pass";
    public const string Fail = "fail";
    public const string BrokenEvidenceChain = "broken_evidence_chain";
    public const string PolicyViolation = "policy_violation";
}
