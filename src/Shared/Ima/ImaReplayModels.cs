namespace Keylime.Shared.Ima;

/// <summary>How a failure maps onto the attestation's <c>failure_reason</c> (verifier spec §7.6 step 7).</summary>
public enum ImaFailureKind
{
    /// <summary>The log does not replay to the quoted PCR 10 (<c>ima.pcr_mismatch</c>).</summary>
    BrokenEvidenceChain,

    /// <summary>Every other event: an entry not allowed, a bad template hash, a parse error, a lagging quote.</summary>
    PolicyViolation,
}

/// <summary>
/// One failed check. <see cref="EventId"/> is Keylime's event id (spec §2.5, e.g.
/// <c>ima.validation.ima-ng.not_in_allowlist</c>); <see cref="Entry"/> is the absolute entry
/// number in the agent's log (starting offset + line index, 0-based); <see cref="Rule"/> names the
/// policy part or check that failed (<c>digests</c>, <c>keyrings</c>, <c>ima-buf</c>,
/// <c>template_hash</c>, <c>pcr</c>, <c>parser</c>, <c>violation</c>, <c>pcr10</c>, <c>quote_progress</c>).
/// </summary>
public sealed record ImaFailure(
    string EventId,
    ImaFailureKind Kind,
    long? Entry,
    string? Path,
    string? Digest,
    string Rule,
    string Message);

/// <summary>(entries certified by the previous quote, entries received with it): spec §1.5 step 4.</summary>
public sealed record ImaQuoteProgress(int CertifiedEntries, int ReceivedEntries);

/// <summary>Incremental state kept per agent between attestations (spec §1.6).</summary>
public sealed record ImaReplayState(
    long NextEntry,
    byte[] Pcr10,
    ImaQuoteProgress? Progress,
    IReadOnlyDictionary<string, ImaKeyring> LearnedKeyrings);

/// <summary>Everything one IMA check needs besides the policy.</summary>
public sealed record ImaReplayRequest
{
    /// <summary>The ASCII log from <see cref="StartingOffset"/> on (lines split on <c>\n</c> only).</summary>
    public required string Entries { get; init; }

    /// <summary>Number of the first entry in <see cref="Entries"/> (push <c>starting_offset</c>).</summary>
    public long StartingOffset { get; init; }

    /// <summary>The bank of the quote (the agent's <c>hash_algorithm</c>).</summary>
    public required ImaHashAlgorithm Bank { get; init; }

    /// <summary>PCR 10 as quoted, bank-sized.</summary>
    public required ReadOnlyMemory<byte> QuotedPcr10 { get; init; }

    /// <summary>Running PCR 10 after the entries before <see cref="StartingOffset"/>; null = zeros (replay from the start).</summary>
    public byte[]? PreviousPcr10 { get; init; }

    public ImaQuoteProgress? PreviousProgress { get; init; }

    /// <summary>Keyrings learned from <c>ima-buf</c> entries before <see cref="StartingOffset"/>; never modified.</summary>
    public IReadOnlyDictionary<string, ImaKeyring>? LearnedKeyrings { get; init; }

    /// <summary>Boot aggregates computed from the UEFI log (spec §3.6), allowed for <c>boot_aggregate</c> in addition to the policy's.</summary>
    public IReadOnlyCollection<string>? BootAggregates { get; init; }

    /// <summary>
    /// Whether violation entries (all-zero template hash: ToMToU, open-writers) fail the
    /// attestation. [quirk] Keylime raises <c>ima.validation.tomtou</c> exactly when
    /// <c>ignore_tomtou_errors = True</c> (inverted w.r.t. the option's name). We keep Keylime's
    /// verdicts because deployments share its config files: the verifier should pass
    /// <c>ignore_tomtou_errors</c> here unchanged, so the shipped default (False) accepts violations.
    /// </summary>
    public bool FailOnViolations { get; init; }

    /// <summary>Failures described in detail; further ones are only counted.</summary>
    public int MaxReportedFailures { get; init; } = 100;
}

/// <summary>Outcome of one IMA check: pass, or the failures with their kind, plus the state to keep.</summary>
public sealed record ImaReplayResult
{
    public bool Passed => Failures.Count == 0;

    /// <summary>BrokenEvidenceChain when PCR 10 never matched, else PolicyViolation; null when passed.</summary>
    public ImaFailureKind? FailureKind { get; init; }

    public required IReadOnlyList<ImaFailure> Failures { get; init; }

    /// <summary>All failures, including those beyond <see cref="ImaReplayRequest.MaxReportedFailures"/>.</summary>
    public int FailureCount { get; init; }

    /// <summary>Lines of <see cref="ImaReplayRequest.Entries"/> covered by the quote (push <c>certified_entry_count</c>); 0 if never matched.</summary>
    public int CertifiedEntryCount { get; init; }

    /// <summary>Non-empty lines received.</summary>
    public int ReceivedEntryCount { get; init; }

    /// <summary>PCR 10 replayed at the match point (bank-sized), or null if never matched.</summary>
    public byte[]? MatchedPcr10 { get; init; }

    /// <summary>Keyrings learned so far (input plus this log's allowed key entries).</summary>
    public required IReadOnlyDictionary<string, ImaKeyring> LearnedKeyrings { get; init; }

    /// <summary>
    /// The state for the next attestation, or null when it must start again from entry 0 with a
    /// zero PCR (any failure resets, spec §1.5 step 5).
    /// </summary>
    public ImaReplayState? NextState { get; init; }

    /// <summary>The most relevant failure: the chain break if any, else the first.</summary>
    public ImaFailure? FirstFailure =>
        Failures.FirstOrDefault(f => f.Kind == ImaFailureKind.BrokenEvidenceChain) ?? (Failures.Count > 0 ? Failures[0] : null);
}
