using Keylime.Shared.Configuration;
using Keylime.Shared.MeasuredBoot;
using Keylime.Shared.Tpm;
using Keylime.Verifier.Api;
using Keylime.Verifier.Attestations;

namespace Keylime.Verifier.Verification;

/// <summary>
/// The measured-boot part of a verification (spec/verifier.md §8.2 step 7, ima-and-measured-boot.md §3.3):
/// only for agents with an mb policy, which negotiation turned into a uefi_log request and boot PCRs
/// 0–9, 11–15 in the quote. A replay ≠ quoted PCR is a broken evidence chain, a refstate mismatch a
/// policy violation. The policy is evaluated per <c>measured_boot_evaluate</c> (<c>once</c>: until the
/// first passing attestation; <c>always</c>).
/// </summary>
public static class MeasuredBootStep
{
    /// <summary>Adds failures; returns the log's boot aggregates for the IMA check (null without a log).</summary>
    public static IReadOnlyCollection<string>? Check(VerificationInput input, TpmAlg hash, IReadOnlyDictionary<int, byte[]> bank,
        VerifierOptions options, List<(string Reason, string EventId, string Detail)> failures)
    {
        var refstate = input.Agent.MbPolicy?.MbPolicy;
        var item = input.Items.FirstOrDefault(i => i.EvidenceType == EvidenceKinds.UefiLog);
        if (string.IsNullOrEmpty(refstate) || item is null)
        {
            return null;
        }

        var entries = input.DataOf(item)?.Entries;
        ReadOnlyMemory<byte>? log = BinaryText.TryDecode(entries, out var bytes) ? bytes : null;
        var result = MeasuredBootVerifier.Verify(new MeasuredBootRequest
        {
            Log = log,
            ReferenceState = refstate,
            PolicyName = options.MeasuredBootPolicyName,
            Evaluate = options.MeasuredBootEvaluate == "always" || input.Agent.AttestationCount == 0,
            Bank = (ushort)hash,
            QuotedPcrs = bank,
        });
        foreach (var failure in result.Failures)
        {
            var reason = failure.Kind == MeasuredBootFailureKind.BrokenEvidenceChain ? AttestationStates.BrokenEvidenceChain : AttestationStates.PolicyViolation;
            failures.Add((reason, failure.EventId, $"measured boot {failure.EventId}: {failure.Message}"));
        }

        return result.BootAggregates.Count > 0 ? result.BootAggregates : null;
    }
}
