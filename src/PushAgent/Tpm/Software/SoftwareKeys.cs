using System.Security.Cryptography;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>The software TPM's RSA-2048 EK, shaped like template L-1 so registrars treat it as an EK.</summary>
internal sealed class SoftwareEk : IDisposable
{
    private SoftwareEk(RSA key)
    {
        Key = key;
        var modulus = key.ExportParameters(false).Modulus!;
        Public = KeyTemplates.ToTpm2B(KeyTemplates.Ek(TpmAlg.Rsa, modulus, null));
        Parsed = TpmPublic.Parse(Public);
    }

    public RSA Key { get; }

    /// <summary>TPM2B_PUBLIC.</summary>
    public byte[] Public { get; }

    public TpmPublic Parsed { get; }

    public byte[] Name => Parsed.Name;

    /// <summary>QN(EK) = nameAlg ‖ H(TPM_RH_ENDORSEMENT ‖ Name): a primary's parent is its hierarchy.</summary>
    public byte[] QualifiedName => TpmName.Qualified(Parsed.NameAlg, TpmName.EndorsementHierarchy, Name);

    public static SoftwareEk Create() => new(RSA.Create(2048));

    public static SoftwareEk FromPkcs8(byte[] pkcs8)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        return new SoftwareEk(rsa);
    }

    public byte[] ExportPkcs8() => Key.ExportPkcs8PrivateKey();

    public void Dispose() => Key.Dispose();
}

/// <summary>
/// The software TPM's AK: an RSA-2048 (RSASSA/RSAPSS) or P-256 (ECDSA) key whose TPM2B_PUBLIC has
/// the restricted-signing AK template shape, so verifiers parse and check it like a TPM's.
/// </summary>
internal sealed class SoftwareAk : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;

    private SoftwareAk(TpmAlg hash, TpmAlg scheme, RSA? rsa, ECDsa? ecdsa)
    {
        Hash = hash;
        Scheme = scheme;
        _rsa = rsa;
        _ecdsa = ecdsa;
        var tpmt = rsa is not null
            ? KeyTemplates.Ak(hash, scheme, rsa.ExportParameters(false).Modulus!, null)
            : KeyTemplates.Ak(hash, scheme, [], Point(ecdsa!));
        Public = KeyTemplates.ToTpm2B(tpmt);
        Parsed = TpmPublic.Parse(Public);
    }

    public TpmAlg Hash { get; }

    public TpmAlg Scheme { get; }

    public byte[] Public { get; }

    public TpmPublic Parsed { get; }

    public byte[] Name => Parsed.Name;

    public static SoftwareAk Create(TpmAlg hash, TpmAlg scheme) =>
        TpmAlgorithms.KeyTypeOf(scheme) == TpmAlg.Rsa
            ? new SoftwareAk(hash, scheme, RSA.Create(2048), null)
            : new SoftwareAk(hash, scheme, null, ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static SoftwareAk FromPkcs8(TpmAlg hash, TpmAlg scheme, byte[] pkcs8)
    {
        if (TpmAlgorithms.KeyTypeOf(scheme) == TpmAlg.Rsa)
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return new SoftwareAk(hash, scheme, rsa, null);
        }

        var ec = ECDsa.Create();
        ec.ImportPkcs8PrivateKey(pkcs8, out _);
        return new SoftwareAk(hash, scheme, null, ec);
    }

    public byte[] ExportPkcs8() => _rsa?.ExportPkcs8PrivateKey() ?? _ecdsa!.ExportPkcs8PrivateKey();

    /// <summary>Signs a TPMS_ATTEST and returns the TPMT_SIGNATURE a TPM would (PSS salt = digest length, as libtpms).</summary>
    public byte[] Sign(byte[] attest)
    {
        var name = TpmHash.ToName(Hash);
        if (_rsa is not null)
        {
            var padding = Scheme == TpmAlg.RsaPss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
            return new TpmSignature { SigAlg = Scheme, Hash = Hash, Signature = _rsa.SignData(attest, name, padding) }.ToBytes();
        }

        var rs = _ecdsa!.SignData(attest, name, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var half = rs.Length / 2;
        return new TpmSignature { SigAlg = TpmAlg.EcDsa, Hash = Hash, R = rs[..half], S = rs[half..] }.ToBytes();
    }

    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
    }

    private static (byte[] X, byte[] Y) Point(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        return (q.X!, q.Y!);
    }
}
