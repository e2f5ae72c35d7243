namespace Keylime.Shared.Tpm;

/// <summary>The check a quote or certify verification failed (spec/verifier.md §6.3, §8.2).</summary>
public enum TpmCheck
{
    /// <summary>Malformed TPMS_ATTEST, TPMT_SIGNATURE, PCR blob or key.</summary>
    Structure,

    /// <summary>Signature algorithm does not fit the key type or the negotiated scheme.</summary>
    SignatureScheme,

    /// <summary>Signature hash is not the negotiated hash algorithm.</summary>
    SignatureHash,

    /// <summary>The signature does not verify with the AK.</summary>
    Signature,

    /// <summary>TPMS_ATTEST.magic is not TPM_GENERATED_VALUE.</summary>
    Magic,

    /// <summary>TPMS_ATTEST.type is not ATTEST_QUOTE / ATTEST_CERTIFY as expected.</summary>
    AttestType,

    /// <summary>extraData is not the nonce/challenge.</summary>
    Nonce,

    /// <summary>The PCR blob's selection differs from the quote's, or the quote's from the requested one.</summary>
    PcrSelection,

    /// <summary>pcrDigest ≠ H(selected PCR values in selection order).</summary>
    PcrDigest,

    /// <summary>clockInfo.safe = 0: the TPM clock may have gone backwards (disorderly shutdown).</summary>
    ClockSafe,

    /// <summary>resetCount decreased.</summary>
    ResetCount,

    /// <summary>restartCount decreased.</summary>
    RestartCount,

    /// <summary>clock did not advance while a counter stayed the same.</summary>
    Clock,

    /// <summary>Certify: the certified Name is not the expected key's Name.</summary>
    CertifiedName,
}

/// <summary>Outcome of a quote verification: valid with the parsed evidence, or the failed check.</summary>
public sealed record QuoteVerification(TpmCheck? FailedCheck, string Message, TpmsAttest? Attest, PcrValues? Pcrs)
{
    public bool IsValid => FailedCheck is null;

    /// <summary>The quote's clock info: the next quote's <see cref="QuoteExpectations.PreviousClock"/>.</summary>
    public TpmClockInfo? ClockInfo => Attest?.ClockInfo;

    internal static QuoteVerification Fail(TpmCheck check, string message, TpmsAttest? attest = null) => new(check, message, attest, null);
}

/// <summary>Outcome of a certify verification.</summary>
public sealed record CertifyVerification(TpmCheck? FailedCheck, string Message, TpmsAttest? Attest)
{
    public bool IsValid => FailedCheck is null;

    internal static CertifyVerification Fail(TpmCheck check, string message, TpmsAttest? attest = null) => new(check, message, attest);
}

/// <summary>What the verifier negotiated or remembers; every field is optional.</summary>
public sealed record QuoteExpectations
{
    /// <summary>The signature hash the verifier asked for (Keylime <c>hash_algorithm</c>); downgrades are refused.</summary>
    public TpmAlg? HashAlgorithm { get; init; }

    /// <summary>The signature scheme asked for (Keylime: RSASSA for RSA, ECDSA for ECC); null = any the key can make.</summary>
    public TpmAlg? SignatureScheme { get; init; }

    /// <summary>The PCRs requested; the quote must cover exactly these.</summary>
    public PcrSelection? Selection { get; init; }

    /// <summary>Clock info of the last accepted quote from this AK (spec/verifier.md §8.2 step 6).</summary>
    public TpmClockInfo? PreviousClock { get; init; }
}
