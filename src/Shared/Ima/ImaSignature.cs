using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Keylime.Shared.Ima;

/// <summary>IMA file signatures (<c>signature_v2_hdr</c>, spec §1.3 and §2.4) and key buffers of <c>ima-buf</c> entries.</summary>
public static class ImaSignature
{
    private const byte EvmImaXattrDigsig = 3;
    private const byte EvmXattrPortableDigsig = 5;
    private const int HeaderSize = 9;

    /// <summary>
    /// Verifies <paramref name="signature"/> (header + RSA PKCS#1 v1.5 block or DER ECDSA) over the
    /// file digest with the first key of the keyrings carrying the header's key id. False for a
    /// malformed header, a v3 signature, an algorithm that differs from the digest's, or no key.
    /// </summary>
    public static bool Verify(
        ReadOnlySpan<byte> signature, ReadOnlySpan<char> digestAlgorithm, ReadOnlySpan<byte> digest,
        ImaKeyring? tenantKeyring, IReadOnlyDictionary<string, ImaKeyring>? learnedKeyrings)
    {
        if (!TryReadHeader(signature, out var hashName, out var keyId, out var body)
            || !digestAlgorithm.SequenceEqual(hashName))
        {
            return false;
        }

        var key = tenantKeyring?.Find(keyId);
        if (key is null && learnedKeyrings is not null)
        {
            foreach (var ring in learnedKeyrings.Values)
            {
                key = ring.Find(keyId);
                if (key is not null)
                {
                    break;
                }
            }
        }

        if (key is null)
        {
            return false;
        }

        try
        {
            var name = new HashAlgorithmName(hashName.ToUpperInvariant());
            return key.Key switch
            {
                RSA rsa => rsa.VerifyHash(digest, body, name, RSASignaturePadding.Pkcs1),
                ECDsa ec => ec.VerifyHash(digest, body, DSASignatureFormat.Rfc3279DerSequence),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Reads <c>signature_v2_hdr</c>: type 3 or 5, version 2, hash id, keyid, size; size must fill the rest.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> signature, out string hashName, out uint keyId, out ReadOnlySpan<byte> body)
    {
        hashName = "";
        keyId = 0;
        body = default;
        if (signature.Length < HeaderSize
            || signature[0] is not (EvmImaXattrDigsig or EvmXattrPortableDigsig)
            || signature[1] != 2)
        {
            return false;
        }

        var name = LinuxHashName(signature[2]);
        var size = BinaryPrimitives.ReadUInt16BigEndian(signature[7..]);
        if (name is null || HeaderSize + size != signature.Length)
        {
            return false;
        }

        hashName = name;
        keyId = BinaryPrimitives.ReadUInt32BigEndian(signature[3..]);
        body = signature[HeaderSize..];
        return true;
    }

    /// <summary>Linux <c>enum hash_algo</c> ids the verifier can use (streebog ids 18/19 are refused: no .NET implementation).</summary>
    private static string? LinuxHashName(byte id) => id switch
    {
        1 => "md5",
        2 => "sha1",
        4 => "sha256",
        5 => "sha384",
        6 => "sha512",
        _ => null,
    };

    /// <summary>
    /// Interprets an <c>ima-buf</c> buffer as a key, in Keylime's order: X.509 (DER, PEM), public
    /// key (DER, PEM), private key (DER, PEM). Returns null when the buffer is not a key;
    /// <paramref name="unsupportedKeyType"/> is set when it is a key but neither RSA nor EC.
    /// </summary>
    public static ImaKey? TryReadKey(ReadOnlySpan<byte> buffer, out bool unsupportedKeyType)
    {
        unsupportedKeyType = false;
        var isDer = buffer.Length > 2 && buffer[0] == 0x30;
        var isPem = buffer.StartsWith("-----BEGIN "u8);
        if (!isDer && !isPem)
        {
            return null;
        }

        var pem = isPem ? Encoding.ASCII.GetString(buffer) : null;
        foreach (var reader in KeyReaders)
        {
            try
            {
                var key = reader(buffer, pem);
                if (key is not null)
                {
                    return key;
                }
            }
            catch (NotSupportedException)
            {
                unsupportedKeyType = true;
                return null;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException)
            {
                // Not this encoding; try the next one.
            }
        }

        return null;
    }

    private delegate ImaKey? KeyReader(ReadOnlySpan<byte> buffer, string? pem);

    private static readonly KeyReader[] KeyReaders =
    [
        (b, pem) => pem is null ? ImaKey.FromCertificate(X509CertificateLoader.LoadCertificate(b)) : null,
        (_, pem) => pem is not null && pem.Contains("CERTIFICATE", StringComparison.Ordinal)
            ? ImaKey.FromCertificate(X509Certificate2.CreateFromPem(pem)) : null,
        (b, pem) => pem is null ? ImaKey.FromSubjectPublicKeyInfo(b) : null,
        (_, pem) => pem is not null ? FromPem(pem) : null,
        (b, pem) => pem is null ? FromPrivateKeyDer(b) : null,
    ];

    private static ImaKey FromPem(string pem)
    {
        var fields = PemEncoding.Find(pem);
        var label = pem[fields.Label];
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        return label == "PUBLIC KEY" ? ImaKey.FromSubjectPublicKeyInfo(der) : FromPrivateKeyDer(der);
    }

    private static ImaKey FromPrivateKeyDer(ReadOnlySpan<byte> der)
    {
        foreach (var create in new Func<AsymmetricAlgorithm>[] { RSA.Create, ECDsa.Create })
        {
            using var key = create();
            try
            {
                key.ImportPkcs8PrivateKey(der, out _);
                return ImaKey.FromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo());
            }
            catch (CryptographicException)
            {
                // Try the other algorithm.
            }
        }

        throw new CryptographicException("not a PKCS#8 private key");
    }
}
