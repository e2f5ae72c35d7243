using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// The algorithm choices the agent's TPM layer accepts, in Keylime's spelling (<c>sha256</c>,
/// <c>rsassa</c>, <c>ecc</c>): AK hashes SHA-1/256/384/512, schemes RSASSA/RSAPSS (RSA-2048) and
/// ECDSA (P-256), EK types RSA and ECC.
/// </summary>
public static class TpmAlgorithms
{
    public static IReadOnlyList<TpmAlg> SigningSchemes { get; } = [TpmAlg.RsaSsa, TpmAlg.RsaPss, TpmAlg.EcDsa];

    public static IReadOnlyList<TpmAlg> KeyTypes { get; } = [TpmAlg.Rsa, TpmAlg.Ecc];

    public static TpmAlg RequireHash(TpmAlg hash) =>
        TpmHash.IsSupported(hash) ? hash : throw new ArgumentException($"unsupported hash algorithm {hash}", nameof(hash));

    public static TpmAlg RequireScheme(TpmAlg scheme) =>
        SigningSchemes.Contains(scheme) ? scheme : throw new ArgumentException($"unsupported signing scheme {scheme}", nameof(scheme));

    public static TpmAlg RequireKeyType(TpmAlg type) =>
        KeyTypes.Contains(type) ? type : throw new ArgumentException($"unsupported key type {type}", nameof(type));

    /// <summary>The key type a signing scheme needs.</summary>
    public static TpmAlg KeyTypeOf(TpmAlg scheme) => RequireScheme(scheme) == TpmAlg.EcDsa ? TpmAlg.Ecc : TpmAlg.Rsa;

    /// <summary>Keylime's lower-case name (<c>sha256</c>, <c>rsassa</c>, <c>ecdsa</c>, <c>rsa</c>, <c>ecc</c>).</summary>
    public static string Name(TpmAlg alg) => TpmHash.KeylimeName(alg) ?? alg.ToString().ToLowerInvariant();

    /// <summary>Parses Keylime's <c>tpm_hash_alg</c>.</summary>
    public static TpmAlg ParseHash(string name) =>
        TpmHash.FromKeylimeName(name.Trim()) is { } alg && TpmHash.IsSupported(alg)
            ? alg
            : throw new ArgumentException($"unsupported hash algorithm '{name}'", nameof(name));

    /// <summary>Parses Keylime's <c>tpm_signing_alg</c>.</summary>
    public static TpmAlg ParseSignScheme(string name) => name.Trim().ToLowerInvariant() switch
    {
        "rsassa" => TpmAlg.RsaSsa,
        "rsapss" => TpmAlg.RsaPss,
        "ecdsa" => TpmAlg.EcDsa,
        _ => throw new ArgumentException($"unsupported signing scheme '{name}'", nameof(name)),
    };

    /// <summary>
    /// Parses Keylime's <c>tpm_encryption_alg</c> (the EK type) with rust-keylime's spellings. Only the
    /// EKs of the low-range templates exist here: RSA-2048 (L-1) and ECC P-256 (L-2).
    /// </summary>
    public static TpmAlg ParseKeyType(string name) => name.Trim().ToLowerInvariant() switch
    {
        "rsa" or "rsa2048" => TpmAlg.Rsa,
        "ecc" or "ecc256" or "ecc_nist_p256" => TpmAlg.Ecc,
        _ => throw new ArgumentException(
            $"unsupported tpm_encryption_alg '{name}': use rsa (RSA-2048 EK) or ecc (P-256 EK)", nameof(name)),
    };
}
