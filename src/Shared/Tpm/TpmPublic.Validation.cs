using System.Collections.Concurrent;
using System.Numerics;
using System.Security.Cryptography;

namespace Keylime.Shared.Tpm;

/// <summary>
/// Soundness of the public key without importing it into OpenSSL. Importing costs 0.1–0.15 ms per key
/// (OpenSSL 3 runs its public-key checks on import: a scalar multiplication for EC points, primality
/// screening for RSA moduli), which the registrar would pay on every registration just to learn that
/// the key is well formed; the arithmetic here costs microseconds.
/// </summary>
public sealed partial class TpmPublic
{
    // Curve constants (p, b) per curve, taken from the platform's explicit parameters once; not key data.
    private static readonly ConcurrentDictionary<TpmEccCurve, (BigInteger P, BigInteger B)> CurveConstants = new();

    /// <summary>
    /// Why this RSA or ECC public key is unusable, or null when it is sound. RSA: the modulus has
    /// keyBits bits and is odd; the exponent is 0 (= 65537) or odd and above 1. ECC: a supported NIST
    /// curve, coordinates of the field size and below p, and y² = x³ − 3x + b (mod p). The NIST
    /// curves have cofactor 1, so a point on the curve lies in the prime-order group: this is the
    /// whole of OpenSSL's EC public-key check.
    /// </summary>
    public string? PublicKeyProblem()
    {
        try
        {
            return Type switch
            {
                TpmAlg.Rsa => RsaProblem(),
                TpmAlg.Ecc => EccProblem(),
                _ => $"public area type {Type} has no asymmetric key",
            };
        }
        catch (Exception e) when (e is TpmFormatException or CryptographicException)
        {
            return e.Message;
        }
    }

    private string? RsaProblem()
    {
        if (Modulus.Length == 0 || Modulus.Length * 8 != KeyBits)
        {
            return $"RSA modulus of {Modulus.Length} bytes does not match keyBits {KeyBits}";
        }

        if (Modulus[0] == 0 || (Modulus[^1] & 1) == 0)
        {
            return "RSA modulus must be odd and use all keyBits";
        }

        return Exponent == 0 || (Exponent > 1 && (Exponent & 1) == 1) ? null : $"RSA exponent {Exponent} is not valid";
    }

    private string? EccProblem()
    {
        var parameters = ToEcParameters(); // curve support and coordinate sizes
        var (p, b) = CurveConstants.GetOrAdd(Curve, static (_, curve) => Constants(curve), parameters.Curve);
        var x = new BigInteger(parameters.Q.X, isUnsigned: true, isBigEndian: true);
        var y = new BigInteger(parameters.Q.Y, isUnsigned: true, isBigEndian: true);
        if (x >= p || y >= p)
        {
            return "ECC public point has a coordinate outside the field";
        }

        var right = ((((x * x) % p * x) - (3 * x) + b) % p + p) % p;
        return (y * y) % p == right ? null : "ECC public point is not on its curve";
    }

    private static (BigInteger P, BigInteger B) Constants(ECCurve curve)
    {
        using var key = ECDsa.Create(curve);
        var explicitCurve = key.ExportExplicitParameters(false).Curve;
        var p = new BigInteger(explicitCurve.Prime, isUnsigned: true, isBigEndian: true);
        var a = new BigInteger(explicitCurve.A, isUnsigned: true, isBigEndian: true);
        if (a != p - 3)
        {
            throw new TpmFormatException("curve is not of the a = -3 form of the NIST curves");
        }

        return (p, new BigInteger(explicitCurve.B, isUnsigned: true, isBigEndian: true));
    }
}
