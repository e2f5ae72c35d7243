using System.Security.Cryptography;
using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>
/// <see cref="TpmPublic.PublicKeyProblem"/> decides exactly as importing the key into the platform's
/// crypto would, for valid keys and for points moved off their curve.
/// </summary>
public class PublicKeyCheckTests
{
    public static TheoryData<string> Curves => new() { "nistP256", "nistP384", "nistP521" };

    [Theory]
    [MemberData(nameof(Curves))]
    public void Generated_ecc_keys_are_sound(string curveName)
    {
        for (var i = 0; i < 50; i++)
        {
            var (tpmCurve, q) = NewPoint(curveName);
            Assert.Null(Ecc(tpmCurve, q.X!, q.Y!).PublicKeyProblem());
        }
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void A_point_off_its_curve_is_refused_as_the_platform_refuses_it(string curveName)
    {
        for (var i = 0; i < 50; i++)
        {
            var (tpmCurve, q) = NewPoint(curveName);
            var y = (byte[])q.Y!.Clone();
            y[y.Length - 1 - (i % 8)] ^= (byte)(1 << (i % 8));
            var key = Ecc(tpmCurve, q.X!, y);

            Assert.NotNull(key.PublicKeyProblem());
            Assert.Throws<TpmFormatException>(() => key.ToECDsa().Dispose());
        }
    }

    [Fact]
    public void A_coordinate_not_below_the_field_prime_is_refused()
    {
        var (tpmCurve, q) = NewPoint("nistP256");
        var key = Ecc(tpmCurve, Enumerable.Repeat((byte)0xff, 32).ToArray(), q.Y!);
        Assert.Equal("ECC public point has a coordinate outside the field", key.PublicKeyProblem());
    }

    [Fact]
    public void Rsa_vectors_and_generated_keys_are_sound()
    {
        Assert.Null(TpmPublic.Parse(TpmVectors.Bytes("ak/ak_rsa.pub")).PublicKeyProblem());
        using var rsa = RSA.Create(2048);
        Assert.Null(Rsa(rsa.ExportParameters(false).Modulus!, 0).PublicKeyProblem());
    }

    [Fact]
    public void An_even_or_short_modulus_or_a_bad_exponent_is_refused()
    {
        using var rsa = RSA.Create(2048);
        var modulus = rsa.ExportParameters(false).Modulus!;
        var even = (byte[])modulus.Clone();
        even[^1] &= 0xfe;

        Assert.NotNull(Rsa(even, 0).PublicKeyProblem());
        Assert.NotNull(Rsa(modulus[1..], 0, keyBits: 2048).PublicKeyProblem());
        Assert.NotNull(Rsa(modulus, 1).PublicKeyProblem());
        Assert.NotNull(Rsa(modulus, 65536).PublicKeyProblem());
    }

    private static (TpmEccCurve, ECPoint) NewPoint(string curveName)
    {
        using var key = ECDsa.Create(ECCurve.CreateFromFriendlyName(curveName));
        var tpmCurve = curveName switch
        {
            "nistP256" => TpmEccCurve.NistP256,
            "nistP384" => TpmEccCurve.NistP384,
            _ => TpmEccCurve.NistP521,
        };
        return (tpmCurve, key.ExportParameters(false).Q);
    }

    private static TpmPublic Ecc(TpmEccCurve curve, byte[] x, byte[] y) => new()
    {
        Type = TpmAlg.Ecc, NameAlg = TpmAlg.Sha256, Attributes = TpmTemplates.AkAttributes, Symmetric = TpmSymmetric.Null,
        Scheme = TpmAlg.EcDsa, SchemeHash = TpmAlg.Sha256, Curve = curve, Kdf = TpmAlg.Null, X = x, Y = y,
    };

    private static TpmPublic Rsa(byte[] modulus, uint exponent, int? keyBits = null) => new()
    {
        Type = TpmAlg.Rsa, NameAlg = TpmAlg.Sha256, Attributes = TpmTemplates.AkAttributes, Symmetric = TpmSymmetric.Null,
        Scheme = TpmAlg.RsaSsa, SchemeHash = TpmAlg.Sha256, KeyBits = (ushort)(keyBits ?? modulus.Length * 8), Exponent = exponent, Modulus = modulus,
    };
}
