using System.Text.Json.Serialization;

namespace Keylime.PushAgent.Protocol;

// Wire types of the push attestation exchange (spec/push-agent.md §6): the capabilities POST, its
// 201 answer, the evidence PATCH and its 202 answer. Optional members are null and left out of
// the JSON; Evidence/ fills them from the TPM and the logs.

public sealed record CapabilitiesRequest(CapabilitiesRequestData Data);

public sealed record CapabilitiesRequestData(string Type, CapabilitiesAttributes Attributes);

public sealed record CapabilitiesAttributes(IReadOnlyList<EvidenceSupported> EvidenceSupported, SystemInfo SystemInfo);

public sealed record SystemInfo(string BootTime);

public sealed record EvidenceSupported(string EvidenceClass, string EvidenceType, EvidenceCapabilities Capabilities);

/// <summary>
/// The capabilities of one evidence type. Keylime uses one object shape per class (certification
/// vs. log); both are folded into one record whose unused members stay null and are not written.
/// </summary>
public sealed record EvidenceCapabilities
{
    public string? ComponentVersion { get; init; }
    public IReadOnlyList<string>? HashAlgorithms { get; init; }
    public IReadOnlyList<string>? SignatureSchemes { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<int>>? AvailableSubjects { get; init; }
    public IReadOnlyList<CertificationKey>? CertificationKeys { get; init; }
    public string? EvidenceVersion { get; init; }
    public long? EntryCount { get; init; }
    public bool? SupportsPartialAccess { get; init; }
    public bool? Appendable { get; init; }
    public IReadOnlyList<string>? Formats { get; init; }
}

public sealed record CertificationKey
{
    public string? KeyClass { get; init; }
    public string? KeyAlgorithm { get; init; }
    public int? KeySize { get; init; }
    public string? ServerIdentifier { get; init; }
    public string? LocalIdentifier { get; init; }
    public string? Public { get; init; }
    public IReadOnlyList<string>? AllowableHashAlgorithms { get; init; }
    public IReadOnlyList<string>? AllowableSignatureSchemes { get; init; }
}

public sealed record CapabilitiesResponse(CapabilitiesResponseData? Data);

public sealed record CapabilitiesResponseData(string? Type, CapabilitiesResponseAttributes? Attributes);

public sealed record CapabilitiesResponseAttributes(string? Stage, IReadOnlyList<EvidenceRequest>? EvidenceRequested);

public sealed record EvidenceRequest(string? EvidenceClass, string? EvidenceType, ChosenParameters? ChosenParameters);

/// <summary>
/// What the verifier chose: certification parameters for <c>tpm_quote</c>, log parameters
/// (<c>format</c>, <c>starting_offset</c>, <c>entry_count</c>) for the logs.
/// </summary>
public sealed record ChosenParameters
{
    public string? Challenge { get; init; }
    public string? HashAlgorithm { get; init; }
    public string? SignatureScheme { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<int>>? SelectedSubjects { get; init; }
    public CertificationKey? CertificationKey { get; init; }
    public string? Format { get; init; }
    public long? StartingOffset { get; init; }
    public long? EntryCount { get; init; }
}

public sealed record EvidenceSubmission(EvidenceSubmissionData Data)
{
    /// <summary>
    /// What the agent sends when it could not collect the evidence asked for: the verifier then
    /// fails this attestation at once instead of waiting for it to time out.
    /// </summary>
    public static EvidenceSubmission Error { get; } = new(new EvidenceSubmissionData("error", new EvidenceCollectedAttributes([])));
}

public sealed record EvidenceSubmissionData(string Type, EvidenceCollectedAttributes Attributes);

public sealed record EvidenceCollectedAttributes(IReadOnlyList<EvidenceCollected> EvidenceCollected);

public sealed record EvidenceCollected(string EvidenceClass, string EvidenceType, EvidenceData Data);

public sealed record EvidenceData
{
    public string? SubjectData { get; init; }
    public string? Message { get; init; }
    public string? Signature { get; init; }
    public string? Entries { get; init; }
    public long? EntryCount { get; init; }
}

public sealed record EvidenceAccepted(EvidenceAcceptedData? Data, EvidenceAcceptedMeta? Meta);

public sealed record EvidenceAcceptedData(string? Type, EvidenceAcceptedAttributes? Attributes);

public sealed record EvidenceAcceptedAttributes(string? Stage);

public sealed record EvidenceAcceptedMeta(long? SecondsToNextAttestation);

/// <summary>A JSON:API error document, read to log the verifier's reason for a refusal.</summary>
public sealed record ErrorDocument(IReadOnlyList<ErrorObject>? Errors);

public sealed record ErrorObject(string? Status, string? Title, string? Detail);
