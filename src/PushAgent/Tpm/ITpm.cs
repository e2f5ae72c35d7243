using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// What the agent needs from a TPM, whether it is a real one (<see cref="HardwareTpm"/>: a device
/// or swtpm) or the software stand-in of <c>--avoid-tpm</c> (<see cref="SoftwareTpm"/>). Every
/// byte array is raw TPM wire format (TPM2B_PUBLIC with its size prefix, TPMS_ATTEST,
/// TPMT_SIGNATURE) for Keylime.Shared to parse. Calls are synchronous and serialized: a TPM runs
/// one command at a time anyway.
/// </summary>
public interface ITpm : IDisposable
{
    /// <summary>True for the <c>--avoid-tpm</c> software TPM, whose evidence proves nothing about the machine.</summary>
    bool IsSoftware { get; }

    /// <summary>Where the commands go, for logs.</summary>
    string Description { get; }

    /// <summary>Allocated PCR banks, hash algorithms with a bank, and the AK signing schemes available.</summary>
    TpmInventory GetInventory();

    /// <summary>Re-derives the EK from the TCG template of <paramref name="type"/> and reads its certificate.</summary>
    AgentEndorsementKey LoadEndorsementKey(TpmAlg type);

    /// <summary>
    /// Loads the AK stored in <paramref name="agentDataPath"/> (agent_data.json) when its algorithms
    /// and EK still match, otherwise creates a new AK under the EK and stores it there. A null path
    /// means a fresh, unstored AK. Needs <see cref="LoadEndorsementKey"/> first.
    /// </summary>
    AgentAttestationKey LoadAttestationKey(TpmAlg hash, TpmAlg scheme, string? agentDataPath);

    /// <summary>
    /// Recovers the registrar's credential with the AK and the EK (<see cref="CredentialInput.Parse"/>
    /// reads the registrar's blob or the raw TPM2B_ID_OBJECT ‖ TPM2B_ENCRYPTED_SECRET).
    /// </summary>
    byte[] ActivateCredential(CredentialBlob credential);

    /// <summary>The AK certifies itself over <paramref name="qualifyingData"/> (the PoP of spec/verifier.md §6.3).</summary>
    SignedAttest Certify(ReadOnlySpan<byte> qualifyingData);

    /// <summary>
    /// Quotes the PCRs of <paramref name="selection"/> with the AK's own scheme and qualifyingData =
    /// <paramref name="nonce"/>, and returns the PCR values the quote covers (their digest is the
    /// quote's pcrDigest; <see cref="PcrValues.ToSubjectData"/> gives Keylime's PCR blob).
    /// Keylime's verifier expects one bank whose algorithm is the AK's hash.
    /// </summary>
    TpmQuote Quote(ReadOnlySpan<byte> nonce, PcrSelection selection);

    /// <summary>PCR values: banks in selection order, PCRs ascending.</summary>
    PcrValues ReadPcrs(PcrSelection selection);

    void ExtendPcr(int pcr, TpmAlg bank, ReadOnlySpan<byte> digest);
}

/// <summary>
/// The EK: its TPM2B_PUBLIC (registrar <c>ek_tpm</c>), Name, the DER certificate from NV (null when
/// the TPM has none, as with the software TPM) and any manufacturer CA certificates from NV.
/// </summary>
public sealed record AgentEndorsementKey(TpmAlg Type, byte[] Public, byte[] Name, byte[]? Certificate, IReadOnlyList<byte[]> ChainCertificates);

/// <summary>The AK: TPM2B_PUBLIC (registrar <c>aik_tpm</c>), Name, algorithms; <c>Reused</c> when it came from agent_data.json.</summary>
public sealed record AgentAttestationKey(TpmAlg Type, TpmAlg Hash, TpmAlg Scheme, byte[] Public, byte[] Name, bool Reused);

/// <summary>A quote (TPMS_ATTEST and TPMT_SIGNATURE bytes) and the PCR values it covers.</summary>
public sealed record TpmQuote(byte[] Attest, byte[] Signature, PcrValues Pcrs);

/// <summary>What the TPM offers: allocated PCR banks (hash → PCR indexes), AK signing schemes, key types.</summary>
public sealed record TpmInventory(
    IReadOnlyDictionary<TpmAlg, IReadOnlyList<int>> PcrBanks,
    IReadOnlyList<TpmAlg> SigningSchemes,
    IReadOnlyList<TpmAlg> KeyTypes);
