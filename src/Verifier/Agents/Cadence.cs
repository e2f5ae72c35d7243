using Keylime.Shared.Configuration;

namespace Keylime.Verifier.Agents;

/// <summary>The attestation cadence shown in status (spec/verifier.md §4.2, §9): Keylime truncates to whole seconds.</summary>
public static class Cadence
{
    /// <summary>Silence longer than this many quote intervals flags a push agent (TIMEOUT).</summary>
    public const int TimeoutFactor = 5;

    public static string AttestationPeriod(this VerifierOptions options) => $"{(long)options.QuoteInterval}s";

    public static string MaximumAttestationInterval(this VerifierOptions options) =>
        $"{(long)(options.QuoteInterval * TimeoutFactor)}s";
}
