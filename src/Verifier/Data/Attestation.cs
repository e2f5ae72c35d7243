namespace Keylime.Verifier.Data;

/// <summary>
/// One push attestation of an agent (spec/verifier.md §7.1, §12), identified by (agent, index).
/// Created here so agent deletion can remove it; the attestation protocol owns its life cycle.
/// </summary>
public sealed class Attestation
{
    public required string AgentId { get; set; }

    public int Index { get; set; }

    /// <summary><c>awaiting_evidence</c> → <c>evaluating_evidence</c> → <c>verification_complete</c>.</summary>
    public string Stage { get; set; } = "awaiting_evidence";

    /// <summary><c>pending</c> | <c>pass</c> | <c>fail</c>.</summary>
    public string Evaluation { get; set; } = "pending";

    /// <summary>null | <c>broken_evidence_chain</c> | <c>policy_violation</c>.</summary>
    public string? FailureReason { get; set; }

    /// <summary>Human-readable detail of a failed verification (the check, entry, path, digest, rule); null when none.</summary>
    public string? FailureDetail { get; set; }

    public DateTime BootTime { get; set; }

    public DateTime CapabilitiesReceivedAt { get; set; }

    public DateTime ChallengesExpireAt { get; set; }

    public DateTime? EvidenceReceivedAt { get; set; }

    public DateTime? VerificationCompletedAt { get; set; }

    private List<EvidenceItem>? _items = [];
    private string? _evidenceJson;

    /// <summary>
    /// The requested evidence in request order, stored inline in the attestation's <c>evidence</c> column
    /// (<see cref="EvidenceJson"/>): each protocol phase writes the attestation row once, with its items.
    /// Parsed from the column text on first use.
    /// </summary>
    public List<EvidenceItem> EvidenceItems
    {
        get
        {
            if (_items is null)
            {
                _items = EvidenceColumn.Read(_evidenceJson);
                _evidenceJson = null; // the items may change from here on
            }

            return _items;
        }
        set => (_items, _evidenceJson) = (value, null);
    }

    /// <summary>
    /// The <c>evidence</c> column (<see cref="EvidenceColumn"/>): the text as read while the items were
    /// never touched — a read that only renders the evidence (it is the API's <c>evidence</c> array
    /// byte for byte) parses nothing — otherwise written from the items.
    /// </summary>
    public string EvidenceJson
    {
        get => _evidenceJson ?? EvidenceColumn.Write(_items ?? []);
        set => (_evidenceJson, _items) = (value, null);
    }

    /// <summary>
    /// A copy of the row's values, for a change that must not touch what another request may read. The
    /// evidence items are shared until one side sets new ones (assign <see cref="EvidenceItems"/> or
    /// <see cref="EvidenceJson"/>), so a copy whose items will be changed must be given its own.
    /// </summary>
    public Attestation Copy() => (Attestation)MemberwiseClone();

    /// <summary>
    /// Declares the items final (phase 2, once the evidence is validated): their column text is written
    /// once and serves both the statement that stores it and the response that echoes it.
    /// </summary>
    public void SealEvidence()
    {
        if (_items is not null)
        {
            _evidenceJson = EvidenceColumn.Write(_items);
        }
    }
}

/// <summary>
/// One evidence item of an attestation, in request order. The nested JSON objects of the protocol
/// (capabilities, chosen_parameters, data, results) are kept as JSON text: the protocol code parses
/// them into its own records. A record, so a changed copy is one <c>with</c> expression.
/// </summary>
public sealed record EvidenceItem
{
    /// <summary>Position in the requested list (tpm_quote, uefi_log, ima_log order).</summary>
    public int Position { get; set; }

    /// <summary><c>certification</c> | <c>log</c>.</summary>
    public required string EvidenceClass { get; set; }

    /// <summary><c>tpm_quote</c> | <c>uefi_log</c> | <c>ima_log</c> | other.</summary>
    public required string EvidenceType { get; set; }

    public string? Capabilities { get; set; }

    public string? ChosenParameters { get; set; }

    /// <summary>
    /// <see cref="ChosenParameters"/> as phase 1 chose them, kept in this process only (never stored), so the
    /// evidence PATCH that follows need not parse the text back; null on an item read from the database.
    /// </summary>
    public Attestations.ChosenParameters? Chosen { get; init; }

    public string? Data { get; set; }

    public string? Results { get; set; }
}

/// <summary>
/// A completed PoP session (spec/verifier.md §6, §12): the bearer token is stored only as a salted
/// hash. No foreign key to the agent: deleting an agent revokes its sessions explicitly.
/// </summary>
public sealed class AuthSession
{
    public Guid SessionId { get; set; }

    public required string AgentId { get; set; }

    public required string TokenHash { get; set; }

    public required string TokenSalt { get; set; }

    public bool Active { get; set; }

    public byte[]? Nonce { get; set; }

    public string? HashAlgorithm { get; set; }

    public string? SigningScheme { get; set; }

    public byte[]? AkAttest { get; set; }

    public byte[]? AkSign { get; set; }

    public DateTime? NonceCreatedAt { get; set; }

    public DateTime? NonceExpiresAt { get; set; }

    public DateTime? PopReceivedAt { get; set; }

    public DateTime? TokenExpiresAt { get; set; }
}
