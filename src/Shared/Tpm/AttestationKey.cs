using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Keylime.Shared.Tpm;

/// <summary>
/// A signing key (AK, IAK) parsed once and imported once into a .NET key, so a quote or certify
/// verification costs one hash and one public-key operation. Instances are immutable and safe to share
/// between threads (OpenSSL verify operations run on per-call contexts). Use <see cref="FromTpm2B"/> for
/// the registrar's <c>aik_tpm</c>; it caches per distinct key bytes.
/// </summary>
public sealed class AttestationKey
{
    private const int CacheLimit = 16_384;
    private static readonly ConcurrentDictionary<UInt128, AttestationKey> Cache = new();

    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly int _coordinateSize;

    public AttestationKey(TpmPublic publicArea)
    {
        Public = publicArea;
        Name = publicArea.Name;
        if (publicArea.IsRsa)
        {
            _rsa = publicArea.ToRsa();
        }
        else if (publicArea.IsEcc)
        {
            _ecdsa = publicArea.ToECDsa();
            _coordinateSize = TpmPublic.CurveSize(publicArea.Curve);
        }
        else
        {
            throw new TpmFormatException($"a {publicArea.Type} object cannot sign attestations");
        }
    }

    public TpmPublic Public { get; }

    /// <summary>The key's Name (nameAlg ‖ H(TPMT_PUBLIC)): what TPM2_Certify of this key must report.</summary>
    public byte[] Name { get; }

    /// <summary>
    /// The key for a TPM2B_PUBLIC (or bare TPMT_PUBLIC), imported once per distinct bytes. A new AK is new
    /// bytes, so cached entries never go stale and every verifier instance may keep its own cache.
    /// </summary>
    public static AttestationKey FromTpm2B(ReadOnlySpan<byte> publicBytes)
    {
        var tpmt = Strip(publicBytes);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(tpmt, digest);
        var id = System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);
        if (Cache.TryGetValue(id, out var cached) && cached.Public.ToTpmtBytes().AsSpan().SequenceEqual(tpmt))
        {
            return cached;
        }

        var key = new AttestationKey(TpmPublic.ParseTpmt(tpmt));
        if (Cache.Count >= CacheLimit)
        {
            Cache.Clear(); // crude bound; keys are re-imported on demand
        }

        Cache[id] = key;
        return key;
    }

    /// <summary>Verifies a TPMT_SIGNATURE over <paramref name="message"/>; false for a wrong key, scheme or signature.</summary>
    public bool VerifySignature(ReadOnlySpan<byte> message, TpmSignature signature)
    {
        if (!TpmHash.IsSupported(signature.Hash))
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[64];
        var length = TpmHash.Hash(signature.Hash, message, digest);
        return VerifyDigest(digest[..length], signature);
    }

    /// <summary>Verifies a signature over an already computed digest.</summary>
    public bool VerifyDigest(ReadOnlySpan<byte> digest, TpmSignature signature)
    {
        try
        {
            return signature.SigAlg switch
            {
                // libtpms signs PSS with salt length = digest length, which is .NET's Pss (spec/tpm.md §5.2).
                TpmAlg.RsaSsa when _rsa is not null =>
                    _rsa.VerifyHash(digest, signature.Signature, TpmHash.ToName(signature.Hash), RSASignaturePadding.Pkcs1),
                TpmAlg.RsaPss when _rsa is not null =>
                    _rsa.VerifyHash(digest, signature.Signature, TpmHash.ToName(signature.Hash), RSASignaturePadding.Pss),
                TpmAlg.EcDsa when _ecdsa is not null => VerifyEcdsa(digest, signature),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>True when the signature algorithm can come from this key type.</summary>
    public bool Accepts(TpmAlg sigAlg) => _rsa is not null
        ? sigAlg is TpmAlg.RsaSsa or TpmAlg.RsaPss
        : sigAlg == TpmAlg.EcDsa;

    // TPMs may drop leading zeros of r and s (Keylime accepts 1..32 bytes on P-256); .NET wants r‖s fixed width.
    private bool VerifyEcdsa(ReadOnlySpan<byte> digest, TpmSignature signature)
    {
        var size = _coordinateSize;
        var r = TrimLeadingZeros(signature.R);
        var s = TrimLeadingZeros(signature.S);
        if (r.Length == 0 || s.Length == 0 || r.Length > size || s.Length > size)
        {
            return false;
        }

        Span<byte> p1363 = stackalloc byte[2 * size];
        p1363.Clear();
        r.CopyTo(p1363[(size - r.Length)..size]);
        s.CopyTo(p1363[(2 * size - s.Length)..]);
        return _ecdsa!.VerifyHash(digest, p1363, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private static ReadOnlySpan<byte> TrimLeadingZeros(ReadOnlySpan<byte> value)
    {
        var i = 0;
        while (i < value.Length && value[i] == 0)
        {
            i++;
        }

        return value[i..];
    }

    private static ReadOnlySpan<byte> Strip(ReadOnlySpan<byte> publicBytes) =>
        publicBytes.Length >= 2 && ((publicBytes[0] << 8) | publicBytes[1]) == publicBytes.Length - 2 ? publicBytes[2..] : publicBytes;
}
