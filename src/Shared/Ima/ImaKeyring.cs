using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Keylime.Shared.Ima;

/// <summary>A public key that can verify <c>ima-sig</c> signatures, with its keyidv2.</summary>
public sealed class ImaKey
{
    private ImaKey(uint keyId, AsymmetricAlgorithm key, byte[] subjectPublicKeyInfo)
    {
        KeyId = keyId;
        Key = key;
        SubjectPublicKeyInfo = subjectPublicKeyInfo;
    }

    /// <summary>The 32-bit key identifier signature headers name (spec §2.4).</summary>
    public uint KeyId { get; }

    /// <summary>An <see cref="RSA"/> or <see cref="ECDsa"/> public key.</summary>
    public AsymmetricAlgorithm Key { get; }

    /// <summary>DER SubjectPublicKeyInfo, the form keyrings are stored in.</summary>
    public byte[] SubjectPublicKeyInfo { get; }

    /// <summary>Reads a DER SubjectPublicKeyInfo; the key id is given or derived (SHA-1 of the key bytes).</summary>
    public static ImaKey FromSubjectPublicKeyInfo(ReadOnlySpan<byte> der, uint? keyId = null)
    {
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(der, out var read);
        if (read != der.Length)
        {
            throw new CryptographicException("trailing bytes after the SubjectPublicKeyInfo");
        }

        return FromPublicKey(publicKey, keyId, certificate: null);
    }

    /// <summary>Reads an X.509 certificate; the key id is the end of its Subject Key Identifier when it has one.</summary>
    public static ImaKey FromCertificate(X509Certificate2 certificate) =>
        FromPublicKey(certificate.PublicKey, keyId: null, certificate);

    private static ImaKey FromPublicKey(PublicKey publicKey, uint? keyId, X509Certificate2? certificate)
    {
        AsymmetricAlgorithm key = publicKey.GetRSAPublicKey() as AsymmetricAlgorithm
            ?? publicKey.GetECDsaPublicKey()
            ?? throw new NotSupportedException("only RSA and EC keys can verify IMA signatures");
        var spki = publicKey.ExportSubjectPublicKeyInfo();
        return new ImaKey(keyId ?? DeriveKeyId(key, certificate), key, spki);
    }

    /// <summary>
    /// keyidv2 as the kernel computes it: the last 4 bytes of the certificate's Subject Key
    /// Identifier, else of SHA-1 over the raw key (RSA: DER RSAPublicKey; EC: uncompressed point).
    /// </summary>
    private static uint DeriveKeyId(AsymmetricAlgorithm key, X509Certificate2? certificate)
    {
        if (certificate?.Extensions["2.5.29.14"] is X509SubjectKeyIdentifierExtension ski
            && ski.SubjectKeyIdentifierBytes.Length >= 4)
        {
            return BinaryPrimitives.ReadUInt32BigEndian(ski.SubjectKeyIdentifierBytes.Span[^4..]);
        }

        byte[] raw;
        if (key is RSA rsa)
        {
            raw = rsa.ExportRSAPublicKey();
        }
        else
        {
            var q = ((ECDsa)key).ExportParameters(false).Q;
            raw = [0x04, .. q.X!, .. q.Y!];
        }

        // keyidv2 is defined over SHA-1 by the kernel (not a security choice of ours).
#pragma warning disable CA5350
        return BinaryPrimitives.ReadUInt32BigEndian(SHA1.HashData(raw).AsSpan(16));
#pragma warning restore CA5350
    }
}

/// <summary>
/// A named set of keys: the policy's <c>verification-keys</c> (the "tenant keyring") or one learned
/// from <c>ima-buf</c> entries of a keyring such as <c>.ima</c>. JSON form as Keylime stores it:
/// <c>{"meta":{"version":1},"keyids":[…],"pubkeys":[base64 DER SubjectPublicKeyInfo…]}</c>.
/// </summary>
public sealed class ImaKeyring
{
    private readonly List<ImaKey> _keys = [];

    public IReadOnlyList<ImaKey> Keys => _keys;

    public void Add(ImaKey key) => _keys.Add(key);

    /// <summary>The first key with this id, as Keylime searches (spec §2.4).</summary>
    public ImaKey? Find(uint keyId)
    {
        foreach (var key in _keys)
        {
            if (key.KeyId == keyId)
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Parses keyring JSON; throws <see cref="FormatException"/> with the reason when malformed.</summary>
    public static ImaKeyring FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FromJson(doc.RootElement);
    }

    public static ImaKeyring FromJson(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("keyids", out var ids) || ids.ValueKind != JsonValueKind.Array
            || !root.TryGetProperty("pubkeys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("a keyring needs the arrays \"keyids\" and \"pubkeys\"");
        }

        var ring = new ImaKeyring();
        var idList = ids.EnumerateArray().ToList();
        var index = 0;
        foreach (var key in keys.EnumerateArray())
        {
            if (key.ValueKind != JsonValueKind.String || !key.TryGetBytesFromBase64(out var der))
            {
                throw new FormatException($"pubkeys[{index}] is not base64");
            }

            uint? keyId = index < idList.Count && idList[index].TryGetUInt32(out var id) ? id : null;
            try
            {
                ring.Add(ImaKey.FromSubjectPublicKeyInfo(der, keyId));
            }
            catch (Exception e) when (e is CryptographicException or NotSupportedException)
            {
                throw new FormatException($"pubkeys[{index}] is not a usable public key: {e.Message}", e);
            }

            index++;
        }

        return ring;
    }

    public void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("meta");
        writer.WriteNumber("version", 1);
        writer.WriteEndObject();
        writer.WriteStartArray("keyids");
        foreach (var key in _keys)
        {
            writer.WriteNumberValue(key.KeyId);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("pubkeys");
        foreach (var key in _keys)
        {
            writer.WriteBase64StringValue(key.SubjectPublicKeyInfo);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}

/// <summary>
/// Persistence of learned keyrings (the verifier's <c>learned_ima_keyrings</c> column): a JSON
/// object keyring name → keyring JSON, as Keylime stores it.
/// </summary>
public static class LearnedKeyrings
{
    public static string ToJson(IReadOnlyDictionary<string, ImaKeyring> keyrings)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (name, ring) in keyrings)
            {
                writer.WritePropertyName(name);
                ring.WriteJson(writer);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads the stored form; null, empty or <c>{}</c> give no keyrings. Throws <see cref="FormatException"/> when malformed.</summary>
    public static IReadOnlyDictionary<string, ImaKeyring> FromJson(string? json)
    {
        var result = new Dictionary<string, ImaKeyring>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("learned keyrings must be a JSON object");
            }

            foreach (var property in doc.RootElement.EnumerateObject())
            {
                result[property.Name] = ImaKeyring.FromJson(property.Value);
            }
        }
        catch (JsonException e)
        {
            throw new FormatException("learned keyrings are not JSON: " + e.Message, e);
        }

        return result;
    }
}
