using System.Security.Cryptography;

namespace Keylime.PushAgent.Tpm;

/// <summary>Hash algorithms an agent may quote with; the value is the TPM_ALG_ID.</summary>
public enum TpmHash : ushort
{
    Sha1 = Tpm2Alg.Sha1,
    Sha256 = Tpm2Alg.Sha256,
    Sha384 = Tpm2Alg.Sha384,
    Sha512 = Tpm2Alg.Sha512,
}

/// <summary>AK signing schemes; the value is the TPM_ALG_ID of the scheme.</summary>
public enum TpmSignScheme : ushort
{
    RsaSsa = Tpm2Alg.RsaSsa,
    RsaPss = Tpm2Alg.RsaPss,
    EcDsa = Tpm2Alg.EcDsa,
}

/// <summary>Asymmetric key types for the EK and the AK; the value is the TPM_ALG_ID of the type.</summary>
public enum TpmKeyType : ushort
{
    Rsa = Tpm2Alg.Rsa,
    Ecc = Tpm2Alg.Ecc,
}

/// <summary>Names and sizes of the algorithms, in Keylime's spelling (<c>sha256</c>, <c>rsassa</c>, <c>ecc</c>).</summary>
public static class TpmAlgorithms
{
    public static int DigestSize(TpmHash hash) => hash switch
    {
        TpmHash.Sha1 => 20,
        TpmHash.Sha256 => 32,
        TpmHash.Sha384 => 48,
        TpmHash.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, "unsupported hash"),
    };

    public static HashAlgorithmName DotNetName(TpmHash hash) => hash switch
    {
        TpmHash.Sha1 => HashAlgorithmName.SHA1,
        TpmHash.Sha256 => HashAlgorithmName.SHA256,
        TpmHash.Sha384 => HashAlgorithmName.SHA384,
        TpmHash.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, "unsupported hash"),
    };

    public static byte[] Hash(TpmHash hash, ReadOnlySpan<byte> data) => CryptographicOperations.HashData(DotNetName(hash), data);

    public static bool IsHash(ushort algId) =>
        algId is Tpm2Alg.Sha1 or Tpm2Alg.Sha256 or Tpm2Alg.Sha384 or Tpm2Alg.Sha512;

    public static string Name(TpmHash hash) => hash.ToString().ToLowerInvariant();

    public static string Name(TpmSignScheme scheme) => scheme.ToString().ToLowerInvariant();

    public static string Name(TpmKeyType type) => type.ToString().ToLowerInvariant();

    /// <summary>Parses Keylime's <c>tpm_hash_alg</c> spelling.</summary>
    public static TpmHash ParseHash(string name) => name.Trim().ToLowerInvariant() switch
    {
        "sha1" => TpmHash.Sha1,
        "sha256" => TpmHash.Sha256,
        "sha384" => TpmHash.Sha384,
        "sha512" => TpmHash.Sha512,
        _ => throw new ArgumentException($"unsupported hash algorithm '{name}'", nameof(name)),
    };

    /// <summary>Parses Keylime's <c>tpm_signing_alg</c> spelling.</summary>
    public static TpmSignScheme ParseSignScheme(string name) => name.Trim().ToLowerInvariant() switch
    {
        "rsassa" => TpmSignScheme.RsaSsa,
        "rsapss" => TpmSignScheme.RsaPss,
        "ecdsa" => TpmSignScheme.EcDsa,
        _ => throw new ArgumentException($"unsupported signing scheme '{name}'", nameof(name)),
    };

    /// <summary>Parses Keylime's <c>tpm_encryption_alg</c> spelling (the EK type).</summary>
    public static TpmKeyType ParseKeyType(string name) => name.Trim().ToLowerInvariant() switch
    {
        "rsa" => TpmKeyType.Rsa,
        "ecc" => TpmKeyType.Ecc,
        _ => throw new ArgumentException($"unsupported key type '{name}'", nameof(name)),
    };

    /// <summary>The key type a signing scheme needs.</summary>
    public static TpmKeyType KeyTypeOf(TpmSignScheme scheme) =>
        scheme == TpmSignScheme.EcDsa ? TpmKeyType.Ecc : TpmKeyType.Rsa;
}
