namespace Keylime.PushAgent.Evidence;

/// <summary>
/// The TPM as the protocol needs it, in Keylime's terms. The agent's TPM layer (src/PushAgent/Tpm:
/// device or swtpm transport, or the software TPM of <c>--avoid-tpm</c>) implements it; the state
/// machine, the clients and the evidence builders see only this.
/// </summary>
public interface IAgentTpm
{
    /// <summary>The EK and AK as the registrar and the verifier see them.</summary>
    AgentKeys Keys { get; }

    /// <summary>
    /// Hash algorithms with a non-empty allocated PCR bank (Keylime names, TPM order: sha1, sha256,
    /// sha384, sha512, sm3_256) and their PCR indexes.
    /// </summary>
    IReadOnlyDictionary<string, IReadOnlyList<int>> PcrBanks { get; }

    /// <summary>Signature schemes the TPM supports, among ecdsa, ecschnorr, rsapss, rsassa (that order).</summary>
    IReadOnlyList<string> SignatureSchemes { get; }

    /// <summary>
    /// TPM2_ActivateCredential with the AK and the EK over the registrar's challenge (the
    /// TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET bodies); returns the secret.
    /// </summary>
    byte[] ActivateCredential(byte[] credential, byte[] encryptedSecret);

    /// <summary>TPM2_Certify of the AK by itself over <paramref name="qualifyingData"/> (the PoP proof).</summary>
    SignedAttestation Certify(byte[] qualifyingData);

    /// <summary>
    /// A quote by the AK over <paramref name="pcrs"/> of the <paramref name="hashAlgorithm"/> bank with
    /// <paramref name="nonce"/>, and the PCR values it covers in tpm2-tools' serialized form.
    /// </summary>
    QuoteEvidence Quote(byte[] nonce, string hashAlgorithm, IReadOnlyList<int> pcrs);
}

/// <summary>
/// The agent's keys. Public areas are marshalled TPMT_PUBLIC (no size prefix); the registrar wants
/// them as TPM2B_PUBLIC, the verifier's capabilities as TPMT_PUBLIC.
/// </summary>
/// <param name="EkPublicArea">The EK's TPMT_PUBLIC.</param>
/// <param name="EkCertificate">The EK certificate (DER) from NV, or null when the TPM has none.</param>
/// <param name="EkChain">Intermediate certificates (DER) found in the TPM's NV, if any.</param>
/// <param name="AkPublicArea">The AK's TPMT_PUBLIC.</param>
/// <param name="AkName">The AK's Name: nameAlg (u16) ‖ H(TPMT_PUBLIC).</param>
/// <param name="EkHash">Lower-case hex SHA-256 of the EK public key as SubjectPublicKeyInfo PEM (Keylime's <c>hash_ek</c>).</param>
/// <param name="Ak">The AK's algorithms, read from its public area.</param>
public sealed record AgentKeys(
    byte[] EkPublicArea,
    byte[]? EkCertificate,
    IReadOnlyList<byte[]> EkChain,
    byte[] AkPublicArea,
    byte[] AkName,
    string EkHash,
    AkAlgorithms Ak);

/// <param name="KeyAlgorithm"><c>rsa</c> or <c>ecc</c>.</param>
/// <param name="KeySize">RSA modulus bits or ECC curve bits.</param>
/// <param name="HashAlgorithm">The signing scheme's hash (<c>sha256</c>).</param>
/// <param name="SignatureScheme"><c>rsassa</c>, <c>rsapss</c>, <c>ecdsa</c>, <c>ecschnorr</c>.</param>
public sealed record AkAlgorithms(string KeyAlgorithm, int KeySize, string HashAlgorithm, string SignatureScheme);

/// <summary>A TPMS_ATTEST and its TPMT_SIGNATURE, marshalled.</summary>
public sealed record SignedAttestation(byte[] Message, byte[] Signature);

/// <summary>A quote (TPMS_ATTEST + TPMT_SIGNATURE) and the tpm2-tools serialized PCR values it covers.</summary>
public sealed record QuoteEvidence(byte[] Message, byte[] Signature, byte[] SubjectData);
