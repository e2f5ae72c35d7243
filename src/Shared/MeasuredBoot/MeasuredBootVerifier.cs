using System.Text.Json;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>How a failure maps onto the attestation's <c>failure_reason</c> (verifier spec §7.6 step 7).</summary>
public enum MeasuredBootFailureKind
{
    /// <summary>The log does not replay to a quoted boot PCR (<c>measured_boot.invalid_pcr_N</c>).</summary>
    BrokenEvidenceChain,

    /// <summary>Parse errors, missing log or PCRs, and reference-state mismatches.</summary>
    PolicyViolation,
}

/// <summary>One failed check, with Keylime's event id (e.g. <c>measured_boot.invalid_pcr_7</c>).</summary>
public sealed record MeasuredBootFailure(string EventId, MeasuredBootFailureKind Kind, int? Pcr, string Message);

/// <summary>Inputs of one measured-boot check.</summary>
public sealed record MeasuredBootRequest
{
    /// <summary>The binary event log as sent (<c>uefi_log</c> entries, base64-decoded); null when none was sent.</summary>
    public ReadOnlyMemory<byte>? Log { get; init; }

    /// <summary>The agent's mb policy (reference state JSON); null = none, <c>{}</c> = accept-all (skips everything).</summary>
    public string? ReferenceState { get; init; }

    /// <summary><c>[verifier] measured_boot_policy_name</c> (Keylime's default <c>accept-all</c>: replay only).</summary>
    public string PolicyName { get; init; } = "accept-all";

    /// <summary>Whether to evaluate the policy this time: <c>always</c>, or <c>once</c> and no successful attestation yet.</summary>
    public bool Evaluate { get; init; } = true;

    /// <summary>Bank of the quote, as TPM_ALG_ID.</summary>
    public required ushort Bank { get; init; }

    /// <summary>Quoted PCR values of that bank by index.</summary>
    public required IReadOnlyDictionary<int, byte[]> QuotedPcrs { get; init; }
}

/// <summary>Outcome of the measured-boot check, plus what the IMA check needs from the log.</summary>
public sealed record MeasuredBootResult(IReadOnlyList<MeasuredBootFailure> Failures, IReadOnlyList<string> BootAggregates, EventLogReplay? Replay)
{
    /// <summary>
    /// True when the replayed boot PCRs were compared with the quote and all matched. [quirk]
    /// Keylime hands <see cref="BootAggregates"/> to the IMA check even when no comparison ran
    /// (no or <c>{}</c> policy), i.e. trusts an unverified log; the verifier can use this flag to
    /// pass them only when they are backed by the quote.
    /// </summary>
    public bool PcrsVerified { get; init; }

    public bool Passed => Failures.Count == 0;

    public MeasuredBootFailureKind? FailureKind => Passed ? null
        : Failures.Any(f => f.Kind == MeasuredBootFailureKind.BrokenEvidenceChain) ? MeasuredBootFailureKind.BrokenEvidenceChain
        : MeasuredBootFailureKind.PolicyViolation;
}

/// <summary>
/// The verifier's measured-boot step (spec §3.3): parse and replay the log, compare the boot PCRs
/// with the quote when there is a non-empty reference state, then evaluate the named policy.
/// </summary>
public static class MeasuredBootVerifier
{
    /// <summary>MEASUREDBOOT_PCRS: 0–9 and 11–15 (10 is IMA's, 16 the debug PCR).</summary>
    public static readonly IReadOnlySet<int> BootPcrs = new HashSet<int> { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15 };

    public static MeasuredBootResult Verify(MeasuredBootRequest request)
    {
        var failures = new List<MeasuredBootFailure>();
        var policy = MeasuredBootPolicy.Named(request.PolicyName);
        if (policy is null)
        {
            failures.Add(Violation("measured_boot.unknown_policy", null, $"no measured-boot policy named '{request.PolicyName}'"));
            return new MeasuredBootResult(failures, [], null);
        }

        JsonDocument? refstate = null;
        try
        {
            refstate = ParseReferenceState(request.ReferenceState, failures);
            return failures.Count > 0 ? new MeasuredBootResult(failures, [], null) : Check(request, policy, refstate, failures);
        }
        finally
        {
            refstate?.Dispose();
        }
    }

    private static MeasuredBootResult Check(MeasuredBootRequest request, MeasuredBootPolicy policy, JsonDocument? refstate, List<MeasuredBootFailure> failures)
    {
        // [quirk] kept: an empty reference state `{}` skips the comparison and the evaluation.
        var active = refstate is not null && !(refstate.RootElement.ValueKind == JsonValueKind.Object && !refstate.RootElement.EnumerateObject().Any());
        var compared = ComparedPcrs(policy, request);
        if (request.Log is not { } bytes)
        {
            if (active)
            {
                failures.AddRange(compared.Select(pcr => Violation($"pcr_validation.unused_pcr_{pcr}", pcr, $"PCR {pcr} is quoted for measured boot but no UEFI log was sent")));
            }

            return new MeasuredBootResult(failures, [], null);
        }

        var parsed = EventLog.TryParse(bytes);
        if (!parsed.Succeeded)
        {
            failures.Add(Violation("measured_boot.parser.invalid_log", null, "the UEFI event log does not parse: " + parsed.Error));
            return new MeasuredBootResult(failures, [], null);
        }

        var replay = parsed.Log!.Replay();
        var aggregates = replay.BootAggregates();
        if (!replay.HasBank(request.Bank))
        {
            failures.Add(Violation("measured_boot.parser.invalid_pcrs_hashes", null,
                $"the UEFI event log has no {TcgAlgorithms.Name(request.Bank)} bank (it has {string.Join(", ", replay.Banks.Keys.Select(TcgAlgorithms.Name))})"));
            return new MeasuredBootResult(failures, aggregates, replay);
        }

        if (!active)
        {
            return new MeasuredBootResult(failures, aggregates, replay);
        }

        ComparePcrs(request, replay, compared, failures);
        var verified = failures.Count == 0 && compared.Count > 0;
        if (request.Evaluate)
        {
            Evaluate(request, policy, refstate!.RootElement, parsed.Log, failures);
        }

        return new MeasuredBootResult(failures, aggregates, replay) { PcrsVerified = verified };
    }

    private static JsonDocument? ParseReferenceState(string? text, List<MeasuredBootFailure> failures)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Null)
            {
                return doc;
            }

            doc.Dispose();
            return null;
        }
        catch (JsonException e)
        {
            failures.Add(Violation("measured_boot.invalid_refstate", null, "the measured-boot policy is not JSON: " + e.Message));
            return null;
        }
    }

    /// <summary>Boot PCRs ∩ the policy's relevant PCRs (all boot PCRs when it declares none) ∩ the quoted ones.</summary>
    private static List<int> ComparedPcrs(MeasuredBootPolicy policy, MeasuredBootRequest request) =>
        BootPcrs.Where(p => (policy.RelevantPcrs.Count == 0 || policy.RelevantPcrs.Contains(p)) && request.QuotedPcrs.ContainsKey(p)).Order().ToList();

    /// <summary>Replayed value (zeros if never extended) against the quote; a mismatch is a broken chain.</summary>
    private static void ComparePcrs(MeasuredBootRequest request, EventLogReplay replay, List<int> compared, List<MeasuredBootFailure> failures)
    {
        foreach (var pcr in compared)
        {
            var expected = replay.ValueOf(request.Bank, pcr)!;
            var quoted = request.QuotedPcrs[pcr];
            if (!expected.AsSpan().SequenceEqual(quoted))
            {
                failures.Add(new MeasuredBootFailure($"measured_boot.invalid_pcr_{pcr}", MeasuredBootFailureKind.BrokenEvidenceChain, pcr,
                    $"{TcgAlgorithms.Name(request.Bank)} boot event log PCR {pcr} value does not match: got {Convert.ToHexStringLower(quoted)}, expected {Convert.ToHexStringLower(expected)}"));
            }
        }
    }

    private static void Evaluate(MeasuredBootRequest request, MeasuredBootPolicy policy, JsonElement refstate, EventLog log, List<MeasuredBootFailure> failures)
    {
        var missing = policy.RelevantPcrs.Where(p => !request.QuotedPcrs.ContainsKey(p)).Order().ToList();
        if (missing.Count > 0)
        {
            failures.Add(Violation("measured_boot.missing_pcrs", null, $"policy '{policy.Name}' needs PCRs {string.Join(", ", missing)} in the quote"));
            return;
        }

        if (policy.Evaluate(refstate, log) is { } reason)
        {
            failures.Add(Violation($"measured_boot.policy_{policy.Name}", null, $"Boot attestation failed (policy {policy.Name}): {reason}"));
        }
    }

    private static MeasuredBootFailure Violation(string eventId, int? pcr, string message) =>
        new(eventId, MeasuredBootFailureKind.PolicyViolation, pcr, message);
}
