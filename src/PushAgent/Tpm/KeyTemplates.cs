using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// The TCG EK Credential Profile low-range templates L-1 (RSA-2048) and L-2 (ECC P-256) and the
/// Keylime AK template (spec/tpm.md §4). The EK is re-derived from its template on every start:
/// the same endorsement seed gives the same key, which is what lets a stored AK load again.
/// </summary>
public static class KeyTemplates
{
    public const uint RsaEkCertificateIndex = 0x01c00002;
    public const uint EccEkCertificateIndex = 0x01c0000a;

    public const TpmObjectAttributes EkAttributes = TpmTemplates.EkLowRangeAttributes;

    public const TpmObjectAttributes AkAttributes = TpmTemplates.AkAttributes;

    public static uint EkCertificateIndex(TpmAlg type) =>
        type == TpmAlg.Rsa ? RsaEkCertificateIndex : EccEkCertificateIndex;

    /// <summary>The TPMT_PUBLIC of template L-1 (RSA) or L-2 (ECC), unique filled with zeros of full key size.</summary>
    public static byte[] Ek(TpmAlg type) =>
        (TpmAlgorithms.RequireKeyType(type) == TpmAlg.Rsa ? TpmTemplates.EkRsa2048 : TpmTemplates.EkEccP256).ToTpmtBytes();

    /// <summary>
    /// An EK-shaped TPMT_PUBLIC with the given public key, for the software EK. It writes the same
    /// fields as <see cref="TpmTemplates"/> (a test holds the two equal for an all-zero key).
    /// </summary>
    internal static byte[] Ek(TpmAlg type, byte[]? modulus, (byte[] X, byte[] Y)? point)
    {
        var w = new TpmWriter();
        w.WriteUInt16((ushort)type).WriteUInt16((ushort)TpmAlg.Sha256).WriteUInt32((uint)EkAttributes).WriteSized(TpmTemplates.PolicyASha256);
        w.WriteUInt16((ushort)TpmAlg.Aes).WriteUInt16(128).WriteUInt16((ushort)TpmAlg.Cfb);
        if (type == TpmAlg.Rsa)
        {
            w.WriteUInt16((ushort)TpmAlg.Null).WriteUInt16(2048).WriteUInt32(0).WriteSized(modulus!);
        }
        else
        {
            w.WriteUInt16((ushort)TpmAlg.Null).WriteUInt16((ushort)TpmEccCurve.NistP256).WriteUInt16((ushort)TpmAlg.Null);
            w.WriteSized(point!.Value.X).WriteSized(point.Value.Y);
        }

        return w.ToArray();
    }

    /// <summary>
    /// The AK template as tss-esapi's create_ak builds it (rust-keylime): restricted signing key,
    /// nameAlg = the AK hash, symmetric NULL, scheme {RSASSA|RSAPSS|ECDSA, hash}, RSA-2048 / P-256, empty unique.
    /// </summary>
    public static byte[] Ak(TpmAlg hash, TpmAlg scheme) =>
        (TpmAlgorithms.KeyTypeOf(scheme) == TpmAlg.Rsa
            ? TpmTemplates.AkRsa2048(TpmAlgorithms.RequireHash(hash), scheme)
            : TpmTemplates.AkEccP256(TpmAlgorithms.RequireHash(hash))).ToTpmtBytes();

    /// <summary>The AK template with a real public key, for the software AK (same fields as <see cref="TpmTemplates"/>).</summary>
    internal static byte[] Ak(TpmAlg hash, TpmAlg scheme, byte[] modulus, (byte[] X, byte[] Y)? point)
    {
        var type = TpmAlgorithms.KeyTypeOf(scheme);
        var w = new TpmWriter();
        w.WriteUInt16((ushort)type).WriteUInt16((ushort)hash).WriteUInt32((uint)AkAttributes).WriteSized([]);
        w.WriteUInt16((ushort)TpmAlg.Null); // restricted signing key: no symmetric algorithm
        w.WriteUInt16((ushort)scheme).WriteUInt16((ushort)hash);
        if (type == TpmAlg.Rsa)
        {
            w.WriteUInt16(2048).WriteUInt32(0).WriteSized(modulus);
        }
        else
        {
            w.WriteUInt16((ushort)TpmEccCurve.NistP256).WriteUInt16((ushort)TpmAlg.Null);
            w.WriteSized(point?.X ?? []).WriteSized(point?.Y ?? []);
        }

        return w.ToArray();
    }

    /// <summary>Wraps a TPMT_PUBLIC into a TPM2B_PUBLIC.</summary>
    public static byte[] ToTpm2B(ReadOnlySpan<byte> tpmtPublic) => new TpmWriter(tpmtPublic.Length + 2).WriteSized(tpmtPublic).ToArray();
}
