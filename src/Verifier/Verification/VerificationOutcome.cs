using Keylime.Shared.Ima;
using Keylime.Shared.Tpm;
using Keylime.Verifier.Attestations;

namespace Keylime.Verifier.Verification;

/// <summary>IMA state to keep on the agent after a verification (spec/ima-and-measured-boot.md §1.5–1.6).</summary>
public sealed record ImaStateUpdate(long NextEntry, byte[]? Pcr10, ImaQuoteProgress? Progress, string LearnedKeyrings, long CertifiedEntryCount);

/// <summary>
/// The verdict of one attestation: pass, or the failure reason (<c>broken_evidence_chain</c> when the
/// evidence cannot be trusted, <c>policy_violation</c> when it is authentic but not allowed), the
/// operator-facing detail and Keylime's event id; plus what the verifier remembers for the next one.
/// </summary>
public sealed record VerificationOutcome(
    string? FailureReason,
    string? Detail,
    string? EventId,
    TpmClockInfo? Clock,
    ImaStateUpdate? Ima,
    string HashAlg,
    string SignAlg)
{
    public bool Passed => FailureReason is null;

    public string Evaluation => Passed ? AttestationStates.Pass : AttestationStates.Fail;

    public static VerificationOutcome Broken(string eventId, string detail, string hash = "", string sign = "") =>
        new(AttestationStates.BrokenEvidenceChain, detail, eventId, null, null, hash, sign);

    public static VerificationOutcome TimedOut() =>
        new(AttestationStates.PolicyViolation, "verification timed out", "verification.timeout", null, null, "", "");
}

/// <summary>A finished verification waiting to be recorded.</summary>
public sealed record VerificationVerdict(VerificationInput Input, VerificationOutcome Outcome);
