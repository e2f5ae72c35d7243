using Keylime.Shared.Configuration;
using Keylime.Verifier.Data;

namespace Keylime.Verifier.Attestations;

/// <summary>
/// Timing formulas of spec/verifier.md §7.5, with fractional <c>quote_interval</c> accepted and
/// <c>verification_timeout = 0</c> meaning 3 × quote_interval (the rule Keylime documents but never implemented).
/// Results are whole seconds, rounded half-to-even like Python's <c>round()</c>, never negative.
/// </summary>
public sealed class AttestationTiming(VerifierOptions options)
{
    public TimeSpan QuoteInterval => TimeSpan.FromSeconds(options.QuoteInterval);

    public TimeSpan VerificationTimeout =>
        TimeSpan.FromSeconds(options.VerificationTimeout > 0 ? options.VerificationTimeout : 3 * options.QuoteInterval);

    public TimeSpan ChallengeLifetime => TimeSpan.FromSeconds(options.ChallengeLifetime);

    /// <summary>No verified evidence for this long flags the agent (quote_interval × 5, spec §9).</summary>
    public TimeSpan TimeoutThreshold => TimeSpan.FromSeconds(options.QuoteInterval * 5);

    public int SecondsToNextAttestation(Attestation latest, DateTime now) =>
        Seconds((latest.EvidenceReceivedAt is { } received ? received + QuoteInterval : latest.CapabilitiesReceivedAt) - now);

    /// <summary>Positive while a verification is still within its deadline (→ 503 on a new POST).</summary>
    public int SecondsToDecision(Attestation latest, DateTime now) =>
        latest.Stage != AttestationStates.EvaluatingEvidence
            ? 0
            : Seconds((latest.EvidenceReceivedAt ?? latest.ChallengesExpireAt) + VerificationTimeout - now);

    public int SecondsAfterEvidence => Seconds(QuoteInterval);

    private static int Seconds(TimeSpan span) => Math.Max(0, (int)Math.Round(span.TotalSeconds, MidpointRounding.ToEven));
}
