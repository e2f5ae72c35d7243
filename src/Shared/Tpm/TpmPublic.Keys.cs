using System.Numerics;
using System.Security.Cryptography;

namespace Keylime.Shared.Tpm;

/// <summary>Conversions of an RSA/ECC public area to .NET keys, SubjectPublicKeyInfo and PEM.</summary>
public sealed partial class TpmPublic
{
    private static readonly byte[] DefaultExponent = [0x01, 0x00, 0x01];

    /// <summary>The RSA public key; a format error if this is not a complete RSA key.</summary>
    public RSA ToRsa()
    {
        if (!IsRsa)
        {
            throw new TpmFormatException($"public area is {Type}, not RSA");
        }

        if (Modulus.Length == 0 || Modulus.Length * 8 != KeyBits)
        {
            throw new TpmFormatException($"RSA modulus of {Modulus.Length} bytes does not match keyBits {KeyBits}");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(new RSAParameters { Modulus = Modulus, Exponent = ExponentBytes() });
            return rsa;
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new TpmFormatException("RSA public key is not valid", e);
        }
    }

    /// <summary>The ECC public key; a format error for unknown curves or points off the curve.</summary>
    public ECDsa ToECDsa()
    {
        var parameters = ToEcParameters();
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportParameters(parameters);
            return ecdsa;
        }
        catch (CryptographicException e)
        {
            ecdsa.Dispose();
            throw new TpmFormatException("ECC public point is not valid for its curve", e);
        }
    }

    /// <summary>The ECC public key as ECDH (MakeCredential for ECC EKs).</summary>
    public ECDiffieHellman ToECDiffieHellman()
    {
        var parameters = ToEcParameters();
        var ecdh = ECDiffieHellman.Create();
        try
        {
            ecdh.ImportParameters(parameters);
            return ecdh;
        }
        catch (CryptographicException e)
        {
            ecdh.Dispose();
            throw new TpmFormatException("ECC public point is not valid for its curve", e);
        }
    }

    /// <summary>RSA or ECDsa, by type.</summary>
    public AsymmetricAlgorithm ToAsymmetricAlgorithm() => Type switch
    {
        TpmAlg.Rsa => ToRsa(),
        TpmAlg.Ecc => ToECDsa(),
        _ => throw new TpmFormatException($"public area type {Type} has no asymmetric key"),
    };

    /// <summary>DER SubjectPublicKeyInfo of the key (compare with an X.509 certificate's key).</summary>
    public byte[] ToSubjectPublicKeyInfo()
    {
        using var key = ToAsymmetricAlgorithm();
        return key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>"-----BEGIN PUBLIC KEY-----" PEM (what <c>tpm2_readpublic -f pem</c> and openssl print).</summary>
    public string ToPem()
    {
        using var key = ToAsymmetricAlgorithm();
        return key.ExportSubjectPublicKeyInfoPem() + "\n";
    }

    /// <summary>Coordinate size in bytes of a supported NIST curve; 0 if unsupported.</summary>
    public static int CurveSize(TpmEccCurve curve) => curve switch
    {
        TpmEccCurve.NistP192 => 24,
        TpmEccCurve.NistP224 => 28,
        TpmEccCurve.NistP256 => 32,
        TpmEccCurve.NistP384 => 48,
        TpmEccCurve.NistP521 => 66,
        _ => 0,
    };

    internal ECParameters ToEcParameters()
    {
        if (!IsEcc)
        {
            throw new TpmFormatException($"public area is {Type}, not ECC");
        }

        var size = CurveSize(Curve);
        var curve = Curve switch
        {
            TpmEccCurve.NistP192 => ECCurve.CreateFromValue("1.2.840.10045.3.1.1"),
            TpmEccCurve.NistP224 => ECCurve.CreateFromValue("1.3.132.0.33"),
            TpmEccCurve.NistP256 => ECCurve.NamedCurves.nistP256,
            TpmEccCurve.NistP384 => ECCurve.NamedCurves.nistP384,
            TpmEccCurve.NistP521 => ECCurve.NamedCurves.nistP521,
            _ => throw new TpmFormatException($"unsupported ECC curve 0x{(ushort)Curve:x4}"),
        };
        return new ECParameters
        {
            Curve = curve,
            Q = new ECPoint { X = Coordinate(X, size, "x"), Y = Coordinate(Y, size, "y") },
        };
    }

    // The registrar rule (spec/registrar.md §5.2) is "coordinate length equals the field size";
    // P-521's 521-bit field is legitimately marshalled as 65 or 66 bytes, so that one is padded.
    private byte[] Coordinate(byte[] value, int size, string which)
    {
        if (value.Length == size)
        {
            return value;
        }

        if (Curve == TpmEccCurve.NistP521 && value.Length == 65)
        {
            var padded = new byte[66];
            value.CopyTo(padded, 1);
            return padded;
        }

        throw new TpmFormatException($"ECC {which} has {value.Length} bytes, the curve needs {size}");
    }

    private byte[] ExponentBytes()
    {
        if (Exponent == 0)
        {
            return DefaultExponent;
        }

        var bytes = new BigInteger(Exponent).ToByteArray(isUnsigned: true, isBigEndian: true);
        return bytes;
    }
}
