namespace Keylime.Shared.Tpm;

/// <summary>
/// Public-area templates for TPM2_CreatePrimary / TPM2_Create (spec/tpm.md §4): the TCG EK Credential
/// Profile low-range EKs (deterministic, so CreatePrimary re-creates the key in the EK certificate) and
/// the tpm2_createak / tss-esapi AK template Keylime agents use.
/// </summary>
public static class TpmTemplates
{
    /// <summary>PolicyA-SHA256 = PolicySecret(TPM_RH_ENDORSEMENT): the EK's authPolicy.</summary>
    public static byte[] PolicyASha256 =>
        Convert.FromHexString("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");

    /// <summary>fixedTPM | fixedParent | sensitiveDataOrigin | adminWithPolicy | restricted | decrypt (0x000300B2).</summary>
    public const TpmObjectAttributes EkLowRangeAttributes =
        TpmObjectAttributes.FixedTpm | TpmObjectAttributes.FixedParent | TpmObjectAttributes.SensitiveDataOrigin
        | TpmObjectAttributes.AdminWithPolicy | TpmObjectAttributes.Restricted | TpmObjectAttributes.Decrypt;

    /// <summary>fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign (0x00050072, Keylime's AK_EXPECTED_ATTRS).</summary>
    public const TpmObjectAttributes AkAttributes =
        TpmObjectAttributes.FixedTpm | TpmObjectAttributes.FixedParent | TpmObjectAttributes.SensitiveDataOrigin
        | TpmObjectAttributes.UserWithAuth | TpmObjectAttributes.Restricted | TpmObjectAttributes.Sign;

    /// <summary>Template L-1: RSA-2048, SHA-256, AES-128-CFB, 256 zero bytes of unique (NV 0x01c00002).</summary>
    public static TpmPublic EkRsa2048 => new()
    {
        Type = TpmAlg.Rsa, NameAlg = TpmAlg.Sha256, Attributes = EkLowRangeAttributes, AuthPolicy = PolicyASha256,
        Symmetric = TpmSymmetric.Aes128Cfb, Scheme = TpmAlg.Null, KeyBits = 2048, Exponent = 0, Modulus = new byte[256],
    };

    /// <summary>Template L-2: ECC P-256, SHA-256, AES-128-CFB, 32 zero bytes each of x and y (NV 0x01c0000a).</summary>
    public static TpmPublic EkEccP256 => new()
    {
        Type = TpmAlg.Ecc, NameAlg = TpmAlg.Sha256, Attributes = EkLowRangeAttributes, AuthPolicy = PolicyASha256,
        Symmetric = TpmSymmetric.Aes128Cfb, Scheme = TpmAlg.Null, Curve = TpmEccCurve.NistP256, Kdf = TpmAlg.Null,
        X = new byte[32], Y = new byte[32],
    };

    /// <summary>The RSA-2048 AK: scheme RSASSA (or RSAPSS) with <paramref name="hash"/>, nameAlg = <paramref name="hash"/> as tss-esapi sets it.</summary>
    public static TpmPublic AkRsa2048(TpmAlg hash = TpmAlg.Sha256, TpmAlg scheme = TpmAlg.RsaSsa) => new()
    {
        Type = TpmAlg.Rsa, NameAlg = hash, Attributes = AkAttributes, Symmetric = TpmSymmetric.Null,
        Scheme = scheme, SchemeHash = hash, KeyBits = 2048, Exponent = 0,
    };

    /// <summary>The ECC P-256 AK: ECDSA with <paramref name="hash"/>.</summary>
    public static TpmPublic AkEccP256(TpmAlg hash = TpmAlg.Sha256) => new()
    {
        Type = TpmAlg.Ecc, NameAlg = hash, Attributes = AkAttributes, Symmetric = TpmSymmetric.Null,
        Scheme = TpmAlg.EcDsa, SchemeHash = hash, Curve = TpmEccCurve.NistP256, Kdf = TpmAlg.Null,
    };
}
