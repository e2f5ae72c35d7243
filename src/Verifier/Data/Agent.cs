namespace Keylime.Verifier.Data;

/// <summary>
/// An enrolled agent (Keylime's <c>verifiermain</c> row, spec/verifier.md §4.1 and §12). Admin
/// enrollment writes it; the attestation protocol (sessions, attestations, verification, timeout
/// monitor) reads the policy columns and updates the state columns.
/// </summary>
public sealed class Agent
{
    public const int IdMaxLength = 80;

    // ---- identity and enrollment (written by POST /v2.x/agents/{id}) ----
    public required string AgentId { get; set; }

    /// <summary>TPM2B_PUBLIC of the attestation key: used for PoP (certify) and quotes.</summary>
    public required byte[] AkTpm { get; set; }

    /// <summary>PCR allow-list as the tenant sent it (JSON text: PCR number → allowed hex values, plus "mask").</summary>
    public required string TpmPolicy { get; set; }

    /// <summary>Ordered preference lists; attestation picks the hash / scheme from them.</summary>
    public List<string> AcceptTpmHashAlgs { get; set; } = [];

    public List<string> AcceptTpmEncryptionAlgs { get; set; } = [];

    public List<string> AcceptTpmSigningAlgs { get; set; } = [];

    public int RuntimePolicyId { get; set; }

    public RuntimePolicy? RuntimePolicy { get; set; }

    public int MbPolicyId { get; set; }

    public MeasuredBootPolicy? MbPolicy { get; set; }

    /// <summary>Stored and echoed only (Keylime's <c>meta_data</c>, JSON text).</summary>
    public string MetaData { get; set; } = "{}";

    public string ImaSignVerificationKeys { get; set; } = "";

    public string RevocationKey { get; set; } = "";

    /// <summary>Base64 of the bootstrap key half V (pull-mode payloads); echoed only.</summary>
    public string? V { get; set; }

    public string? MtlsCert { get; set; }

    public string SupportedVersion { get; set; } = "2.6";

    /// <summary>Always null in push mode: the verifier never connects to the agent.</summary>
    public string? Ip { get; set; }

    public int? Port { get; set; }

    public required string VerifierId { get; set; }

    public string? VerifierIp { get; set; }

    public int? VerifierPort { get; set; }

    public DateTime EnrolledAt { get; set; }

    // ---- attestation state (updated by verification, timeout monitor, reactivate/stop) ----
    public int? OperationalState { get; set; } = OperationalStates.GetQuote;

    /// <summary>False after a timeout (push); reactivate or the next completed verification sets it back.</summary>
    public bool AcceptAttestations { get; set; } = true;

    public int AttestationCount { get; set; }

    /// <summary>Null or 0 = none; &gt; 0 makes the status FAIL.</summary>
    public int? ConsecutiveAttestationFailures { get; set; }

    /// <summary>Unix seconds of the last completed verification (pass or fail); 0 = never.</summary>
    public long LastReceivedQuote { get; set; }

    /// <summary>Unix seconds of the last passing verification; 0 = never.</summary>
    public long LastSuccessfulAttestation { get; set; }

    /// <summary>Hash / encryption / signing algorithm actually used by the last quote (Keylime: "" until then).</summary>
    public string HashAlg { get; set; } = "";

    public string EncAlg { get; set; } = "";

    public string SignAlg { get; set; } = "";

    public int? SeverityLevel { get; set; }

    public string? LastEventId { get; set; }

    /// <summary>TPM clock info of the last authenticated quote (JSON: clock, reset_count, restart_count, safe).</summary>
    public string? TpmClockInfo { get; set; }

    // ---- incremental IMA state (spec/ima-and-measured-boot.md §1.5–1.6) ----

    /// <summary>Index of the next IMA log line expected (the agent's starting_offset).</summary>
    public long NextImaMlEntry { get; set; }

    /// <summary>Running PCR 10 value at <see cref="NextImaMlEntry"/>; null = start from all-zero.</summary>
    public byte[]? Pcr10 { get; set; }

    /// <summary>Boot time (Unix seconds) the IMA state belongs to; 0 = none.</summary>
    public long BootTime { get; set; }

    /// <summary>Keyrings learned from ima-buf entries (JSON text: keyring name → list of PEM keys).</summary>
    public string LearnedImaKeyrings { get; set; } = "{}";

    /// <summary>Quote progress of the last IMA replay (JSON text, e.g. [matchLine, logLength]); null = none.</summary>
    public string? ImaQuoteProgress { get; set; }

    public List<int> ImaPcrs { get; set; } = [];

    public string PublicKey { get; set; } = "";

    public List<Attestation> Attestations { get; set; } = [];

    /// <summary>A copy of the row's values (policies and lists shared), for a change that must not touch what another request may read.</summary>
    public Agent Copy() => (Agent)MemberwiseClone();
}

/// <summary>Keylime's operational_state numbers (keylime/common/states.py).</summary>
public static class OperationalStates
{
    public const int Registered = 0;
    public const int Start = 1;
    public const int Saved = 2;
    public const int GetQuote = 3;
    public const int GetQuoteRetry = 4;
    public const int ProvideV = 5;
    public const int ProvideVRetry = 6;
    public const int Failed = 7;
    public const int Terminated = 8;
    public const int InvalidQuote = 9;
    public const int TenantFailed = 10;
}
