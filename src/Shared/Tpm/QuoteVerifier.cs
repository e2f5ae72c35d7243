namespace Keylime.Shared.Tpm;

/// <summary>
/// Verifies a TPM2_Quote against an AK, in Keylime's order (spec/verifier.md §8.2, spec/tpm.md §5.2):
/// signature scheme and hash → signature → magic/type → nonce → PCR selection and pcrDigest → clock.
/// The first failure is reported with the check it failed; nothing after it is evaluated.
/// </summary>
public sealed class QuoteVerifier
{
    private readonly AttestationKey _ak;

    public QuoteVerifier(AttestationKey ak)
    {
        _ak = ak;
    }

    /// <summary>A verifier for the registrar's <c>aik_tpm</c> (TPM2B_PUBLIC), with the imported key cached.</summary>
    public static QuoteVerifier ForAk(ReadOnlySpan<byte> akPublic) => new(AttestationKey.FromTpm2B(akPublic));

    public AttestationKey Key => _ak;

    public QuoteVerification Verify(KeylimeQuote quote, ReadOnlySpan<byte> nonce, QuoteExpectations? expected = null) =>
        Verify(quote.Message, quote.Signature, quote.PcrBlob, nonce, expected);

    /// <summary>Verifies message (TPMS_ATTEST), signature (TPMT_SIGNATURE) and PCR blob (subject_data).</summary>
    public QuoteVerification Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> pcrBlob,
        ReadOnlySpan<byte> nonce, QuoteExpectations? expected = null)
    {
        expected ??= new QuoteExpectations();
        TpmSignature sig;
        try
        {
            sig = TpmSignature.Parse(signature);
        }
        catch (TpmFormatException e)
        {
            return QuoteVerification.Fail(TpmCheck.Structure, $"signature: {e.Message}");
        }

        var signatureFailure = CheckSignature(_ak, message, sig, expected.HashAlgorithm, expected.SignatureScheme);
        if (signatureFailure is not null)
        {
            return QuoteVerification.Fail(signatureFailure.Value.Check, signatureFailure.Value.Message);
        }

        TpmsAttest attest;
        PcrValues pcrs;
        try
        {
            attest = TpmsAttest.Parse(message);
        }
        catch (TpmFormatException e)
        {
            return QuoteVerification.Fail(TpmCheck.Structure, $"attest: {e.Message}");
        }

        var attestFailure = CheckHeader(attest, TpmsAttest.TagAttestQuote, nonce);
        if (attestFailure is not null)
        {
            return QuoteVerification.Fail(attestFailure.Value.Check, attestFailure.Value.Message, attest);
        }

        try
        {
            pcrs = PcrValues.ParseSubjectData(pcrBlob);
        }
        catch (TpmFormatException e)
        {
            return QuoteVerification.Fail(TpmCheck.Structure, $"PCR blob: {e.Message}", attest);
        }

        return CheckPcrs(attest, pcrs, sig.Hash, expected.Selection)
               ?? CheckClock(attest, expected.PreviousClock)
               ?? new QuoteVerification(null, "", attest, pcrs);
    }

    internal static (TpmCheck Check, string Message)? CheckSignature(AttestationKey key, ReadOnlySpan<byte> message, TpmSignature sig,
        TpmAlg? hash, TpmAlg? scheme)
    {
        if (!key.Accepts(sig.SigAlg) || (scheme is not null && sig.SigAlg != scheme))
        {
            return (TpmCheck.SignatureScheme, $"signature algorithm {sig.SigAlg} does not fit a {key.Public.Type} key"
                                              + (scheme is null ? "" : $" with scheme {scheme}"));
        }

        if (!TpmHash.IsSupported(sig.Hash) || (hash is not null && sig.Hash != hash))
        {
            return (TpmCheck.SignatureHash, $"signature hash {sig.Hash} is not the expected {hash?.ToString() ?? "SHA-1/2 hash"}");
        }

        return key.VerifySignature(message, sig) ? null : (TpmCheck.Signature, "the signature does not verify with the AK");
    }

    internal static (TpmCheck Check, string Message)? CheckHeader(TpmsAttest attest, ushort type, ReadOnlySpan<byte> qualifyingData)
    {
        if (attest.Magic != TpmsAttest.GeneratedValue)
        {
            return (TpmCheck.Magic, $"magic 0x{attest.Magic:x8} is not TPM_GENERATED_VALUE");
        }

        if (attest.Type != type)
        {
            return (TpmCheck.AttestType, $"attestation type 0x{attest.Type:x4} is not 0x{type:x4}");
        }

        return attest.ExtraData.AsSpan().SequenceEqual(qualifyingData)
            ? null
            : (TpmCheck.Nonce, "extraData is not the nonce");
    }

    private static QuoteVerification? CheckPcrs(TpmsAttest attest, PcrValues pcrs, TpmAlg signatureHash, PcrSelection? requested)
    {
        var quoted = attest.Quote!.PcrSelect;
        if (!pcrs.Selection.Equals(quoted))
        {
            return QuoteVerification.Fail(TpmCheck.PcrSelection, $"PCR blob selects {pcrs.Selection}, the quote {quoted}", attest);
        }

        if (requested is not null && !requested.Equals(quoted))
        {
            return QuoteVerification.Fail(TpmCheck.PcrSelection, $"quote selects {quoted}, requested {requested}", attest);
        }

        // The digest uses the signature scheme's hash, not the bank's (spec/tpm.md §5.2 step 4).
        var digest = pcrs.ComputeDigest(signatureHash);
        return digest.AsSpan().SequenceEqual(attest.Quote.PcrDigest)
            ? null
            : QuoteVerification.Fail(TpmCheck.PcrDigest, "pcrDigest does not match the PCR values", attest);
    }

    // Keylime's check_quote_timing (spec/verifier.md §8.2 step 6), kept as Keylime has it: neither counter
    // may go down, and unless both went up the clock must strictly advance.
    private static QuoteVerification? CheckClock(TpmsAttest attest, TpmClockInfo? previous)
    {
        var now = attest.ClockInfo;
        if (!now.Safe)
        {
            return QuoteVerification.Fail(TpmCheck.ClockSafe, "clockInfo.safe is 0", attest);
        }

        if (previous is not { } before)
        {
            return null;
        }

        if (now.ResetCount < before.ResetCount)
        {
            return QuoteVerification.Fail(TpmCheck.ResetCount, $"resetCount went from {before.ResetCount} to {now.ResetCount}", attest);
        }

        if (now.RestartCount < before.RestartCount)
        {
            return QuoteVerification.Fail(TpmCheck.RestartCount, $"restartCount went from {before.RestartCount} to {now.RestartCount}", attest);
        }

        var bothIncreased = now.ResetCount > before.ResetCount && now.RestartCount > before.RestartCount;
        return !bothIncreased && now.Clock <= before.Clock
            ? QuoteVerification.Fail(TpmCheck.Clock, $"clock went from {before.Clock} to {now.Clock}", attest)
            : null;
    }
}
