using System.Security.Cryptography;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// The parts of an RSA or ECC TPM2B_PUBLIC the agent needs for itself: algorithms, the public key,
/// the Name. (The verifier-side parser is Keylime.Shared's; this one stays small on purpose.)
/// </summary>
public sealed record TpmKeyPublic(
    TpmKeyType Type,
    ushort NameAlg,
    uint Attributes,
    ushort SymmetricAlg,
    ushort SchemeAlg,
    ushort SchemeHash,
    byte[] Modulus,
    uint Exponent,
    ushort CurveId,
    byte[] X,
    byte[] Y,
    byte[] TpmtPublic)
{
    /// <summary>Parses a TPM2B_PUBLIC (size prefix included); trailing bytes are refused.</summary>
    public static TpmKeyPublic Parse(ReadOnlySpan<byte> tpm2bPublic)
    {
        var outer = new TpmReader(tpm2bPublic);
        var body = outer.ReadSized("TPM2B_PUBLIC");
        outer.ExpectEnd("TPM2B_PUBLIC");
        var r = new TpmReader(body);
        var type = r.ReadUInt16();
        if (type is not (Tpm2Alg.Rsa or Tpm2Alg.Ecc))
        {
            throw new TpmFormatException($"key type 0x{type:x4} is neither RSA nor ECC");
        }

        var nameAlg = r.ReadUInt16();
        var attributes = r.ReadUInt32();
        r.ReadSized("authPolicy");
        var symmetric = r.ReadUInt16();
        if (symmetric != Tpm2Alg.Null)
        {
            r.ReadUInt16();
            r.ReadUInt16();
        }

        var scheme = r.ReadUInt16();
        var schemeHash = scheme == Tpm2Alg.Null || scheme == Tpm2Alg.RsaEs ? Tpm2Alg.Null : r.ReadUInt16();
        if (scheme == Tpm2Alg.EcDaa)
        {
            r.ReadUInt16();
        }

        TpmKeyPublic key;
        if (type == Tpm2Alg.Rsa)
        {
            r.ReadUInt16(); // keyBits: implied by the modulus
            var exponent = r.ReadUInt32();
            var modulus = r.ReadSized("modulus").ToArray();
            key = new TpmKeyPublic(TpmKeyType.Rsa, nameAlg, attributes, symmetric, scheme, schemeHash, modulus, exponent == 0 ? 65537 : exponent, 0, [], [], body.ToArray());
        }
        else
        {
            var curve = r.ReadUInt16();
            var kdf = r.ReadUInt16();
            if (kdf != Tpm2Alg.Null)
            {
                r.ReadUInt16();
            }

            var x = r.ReadSized("x").ToArray();
            var y = r.ReadSized("y").ToArray();
            key = new TpmKeyPublic(TpmKeyType.Ecc, nameAlg, attributes, symmetric, scheme, schemeHash, [], 0, curve, x, y, body.ToArray());
        }

        r.ExpectEnd("TPMT_PUBLIC");
        return key;
    }

    /// <summary>Name = nameAlg ‖ H_nameAlg(TPMT_PUBLIC) (spec/tpm.md §3.2).</summary>
    public byte[] Name => TpmNames.ObjectName(NameAlg, TpmtPublic);

    public RSA ToRsa()
    {
        var exponent = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(exponent, Exponent);
        return RSA.Create(new RSAParameters { Modulus = Modulus, Exponent = exponent.AsSpan().TrimStart((byte)0).ToArray() });
    }

    public ECDsa ToEcdsa()
    {
        if (CurveId != Tpm2Alg.EccNistP256)
        {
            throw new NotSupportedException($"ECC curve 0x{CurveId:x4}");
        }

        return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = X, Y = Y } });
    }

    /// <summary>The SubjectPublicKeyInfo DER of the key (to compare with an EK certificate).</summary>
    public byte[] SubjectPublicKeyInfo()
    {
        if (Type == TpmKeyType.Rsa)
        {
            using var rsa = ToRsa();
            return rsa.ExportSubjectPublicKeyInfo();
        }

        using var ec = ToEcdsa();
        return ec.ExportSubjectPublicKeyInfo();
    }
}

/// <summary>Names and qualified Names (spec/tpm.md §3.2).</summary>
public static class TpmNames
{
    public static byte[] ObjectName(ushort nameAlg, ReadOnlySpan<byte> tpmtPublic)
    {
        var digest = TpmAlgorithms.Hash((TpmHash)nameAlg, tpmtPublic);
        return [(byte)(nameAlg >> 8), (byte)nameAlg, .. digest];
    }

    /// <summary>QN(object) = nameAlg ‖ H(QN(parent) ‖ Name(object)); a primary's parent QN is its 4-byte hierarchy handle.</summary>
    public static byte[] QualifiedName(ReadOnlySpan<byte> parentQualifiedName, ReadOnlySpan<byte> name)
    {
        var nameAlg = (ushort)((name[0] << 8) | name[1]);
        var digest = TpmAlgorithms.Hash((TpmHash)nameAlg, [.. parentQualifiedName, .. name]);
        return [name[0], name[1], .. digest];
    }

    public static byte[] HandleName(uint handle) => [(byte)(handle >> 24), (byte)(handle >> 16), (byte)(handle >> 8), (byte)handle];
}
