using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// What the agent needs from a TPM, whether it is a real one (<see cref="HardwareTpm"/>: a device
/// or swtpm) or the software stand-in of <c>--avoid-tpm</c> (<see cref="SoftwareTpm"/>). Every
/// byte array is raw TPM wire format (TPM2B_PUBLIC with its size prefix, TPMS_ATTEST,
/// TPMT_SIGNATURE) for Keylime.Shared to parse. Calls are synchronous and serialized: a TPM runs
/// one command at a time anyway.
/// </summary>
public interface IAgentTpm : IDisposable
{
    /// <summary>True for the <c>--avoid-tpm</c> software TPM, whose evidence proves nothing about the machine.</summary>
    bool IsSoftware { get; }

    /// <summary>Where the commands go, for logs.</summary>
    string Description { get; }

    /// <summary>Allocated PCR banks, hash algorithms with a bank, and the AK signing schemes available.</summary>
    TpmInventory GetInventory();

    /// <summary>Re-derives the EK from the TCG template of <paramref name="type"/> and reads its certificate.</summary>
    EndorsementKey LoadEndorsementKey(TpmAlg type);

    /// <summary>
    /// Loads the AK stored in <paramref name="agentDataPath"/> (agent_data.json) when its algorithms
    /// and EK still match, otherwise creates a new AK under the EK and stores it there. A null path
    /// means a fresh, unstored AK. Needs <see cref="LoadEndorsementKey"/> first.
    /// </summary>
    AttestationKey LoadAttestationKey(TpmAlg hash, TpmAlg scheme, string? agentDataPath);

    /// <summary>
    /// Recovers the registrar's credential: <paramref name="credentialBlob"/> is the registrar blob
    /// (0xBADCC0DE container, spec/registrar.md §6) or a raw TPM2B_ID_OBJECT ‖ TPM2B_ENCRYPTED_SECRET.
    /// </summary>
    byte[] ActivateCredential(ReadOnlySpan<byte> credentialBlob);

    /// <summary>The AK certifies itself over <paramref name="qualifyingData"/> (the PoP of spec/verifier.md §6.3).</summary>
    SignedAttest Certify(ReadOnlySpan<byte> qualifyingData);

    /// <summary>
    /// Quotes <paramref name="pcrs"/> of <paramref name="bank"/> with the AK's scheme and
    /// qualifyingData = <paramref name="nonce"/>, and returns the PCR values the quote covers.
    /// </summary>
    QuoteEvidence Quote(ReadOnlySpan<byte> nonce, TpmAlg bank, IReadOnlyCollection<int> pcrs);

    /// <summary>PCR values in ascending PCR order.</summary>
    IReadOnlyList<byte[]> ReadPcrs(TpmAlg bank, IReadOnlyCollection<int> pcrs);

    void ExtendPcr(int pcr, TpmAlg bank, ReadOnlySpan<byte> digest);
}

/// <summary>
/// The EK: its TPM2B_PUBLIC (registrar <c>ek_tpm</c>), Name, the DER certificate from NV (null when
/// the TPM has none, as with the software TPM) and any manufacturer CA certificates from NV.
/// </summary>
public sealed record EndorsementKey(TpmAlg Type, byte[] Public, byte[] Name, byte[]? Certificate, IReadOnlyList<byte[]> ChainCertificates);

/// <summary>The AK: TPM2B_PUBLIC (registrar <c>aik_tpm</c>), Name, algorithms; <c>Reused</c> when it came from agent_data.json.</summary>
public sealed record AttestationKey(TpmAlg Type, TpmAlg Hash, TpmAlg Scheme, byte[] Public, byte[] Name, bool Reused);

/// <summary>
/// A quote and the PCR values it covers: <c>PcrValues[i]</c> is PCR <c>Pcrs[i]</c> of <c>Bank</c>
/// (ascending), read so that their digest matches the quote's pcrDigest.
/// </summary>
public sealed record QuoteEvidence(byte[] Attest, byte[] Signature, TpmAlg Bank, IReadOnlyList<int> Pcrs, IReadOnlyList<byte[]> PcrValues);

/// <summary>What the TPM offers, in the agent's terms (rust-keylime's capability lists).</summary>
public sealed record TpmInventory(
    IReadOnlyList<TpmAlg> PcrBanks,
    IReadOnlyList<TpmAlg> SigningSchemes,
    IReadOnlyList<TpmAlg> KeyTypes);
