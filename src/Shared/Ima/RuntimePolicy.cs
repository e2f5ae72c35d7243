using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Keylime.Shared.Ima;

/// <summary>
/// A runtime policy compiled for evaluation: lookup tables queried with spans (checking an entry
/// allocates nothing), the combined exclude regex and the parsed verification keys.
/// Build once per stored policy and reuse across attestations; it is immutable and thread-safe.
/// </summary>
public sealed class RuntimePolicy
{
    private readonly FrozenSet<string> _ignoredKeyrings;

    private RuntimePolicy(RuntimePolicyDocument document, ImaHashAlgorithm logHashAlg, Regex? excludes, ImaKeyring? keys)
    {
        Document = document;
        LogHashAlgorithm = logHashAlg;
        Excludes = excludes;
        VerificationKeys = keys;
        DigestTable = PolicyPathTable.Build(document.Digests);
        KeyringTable = PolicyPathTable.Build(document.Keyrings);
        ImaBufTable = PolicyPathTable.Build(document.ImaBuf);
        _ignoredKeyrings = document.IgnoredKeyrings.ToFrozenSet(StringComparer.Ordinal);
        IgnoresAllKeyrings = _ignoredKeyrings.Contains("*");
    }

    public RuntimePolicyDocument Document { get; }

    /// <summary><c>ima.log_hash_alg</c>: the algorithm of the template-hash column.</summary>
    public ImaHashAlgorithm LogHashAlgorithm { get; }

    /// <summary><c>^(?:(e1)|(e2)|…)</c> or null without excludes.</summary>
    public Regex? Excludes { get; }

    /// <summary>The tenant keyring from <c>verification-keys</c>, or null.</summary>
    public ImaKeyring? VerificationKeys { get; }

    public bool IgnoresAllKeyrings { get; }

    /// <summary><c>digests</c>: file path → allowed file digests.</summary>
    internal PolicyPathTable DigestTable { get; }

    /// <summary><c>keyrings</c>: keyring name → allowed digests of keys measured onto it.</summary>
    internal PolicyPathTable KeyringTable { get; }

    /// <summary><c>ima-buf</c>: buffer name → allowed digests of other measured buffers.</summary>
    internal PolicyPathTable ImaBufTable { get; }

    /// <summary>Generator ≤ 1 means "no runtime policy" (spec §2.1): push mode then requests no IMA log.</summary>
    public bool IsEmpty => Document.Generator <= RuntimePolicyDocument.GeneratorEmptyAllowList;

    /// <summary>Parses and compiles policy JSON; a malformed policy is a failure value naming the reason.</summary>
    public static RuntimePolicyLoadResult Load(string json)
    {
        RuntimePolicyDocument document;
        try
        {
            document = RuntimePolicyDocument.Parse(json);
        }
        catch (FormatException e)
        {
            return new RuntimePolicyLoadResult(null, e.Message);
        }

        return Compile(document);
    }

    /// <summary>
    /// Compiles a document. [quirk] Keylime silently drops every exclude when the combined regex
    /// fails to compile; we refuse the policy instead (the error then fails the attestation with
    /// a reason naming the pattern), and the upload validator rejects such policies up front.
    /// </summary>
    public static RuntimePolicyLoadResult Compile(RuntimePolicyDocument document)
    {
        if (!ImaHashAlgorithms.TryParse(document.LogHashAlg, out var logHashAlg))
        {
            return new RuntimePolicyLoadResult(null, $"ima.log_hash_alg \"{document.LogHashAlg}\" is not one of sha1, sha256, sha384, sha512");
        }

        Regex? excludes;
        try
        {
            excludes = PythonRegex.CompileExcludes(document.Excludes);
        }
        catch (ArgumentException e)
        {
            return new RuntimePolicyLoadResult(null, e.Message);
        }

        ImaKeyring? keys = null;
        if (document.VerificationKeys.Length > 0)
        {
            try
            {
                keys = ImaKeyring.FromJson(document.VerificationKeys);
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
            {
                return new RuntimePolicyLoadResult(null, $"verification-keys: {e.Message}");
            }
        }

        return new RuntimePolicyLoadResult(new RuntimePolicy(document, logHashAlg, excludes, keys), null);
    }

    public bool TryGetDigests(ReadOnlySpan<char> path, out string[] allowed) => DigestTable.TryGetAllowed(path, out allowed);

    public bool TryGetKeyringDigests(ReadOnlySpan<char> keyring, out string[] allowed) => KeyringTable.TryGetAllowed(keyring, out allowed);

    public bool TryGetImaBufDigests(ReadOnlySpan<char> name, out string[] allowed) => ImaBufTable.TryGetAllowed(name, out allowed);

    public bool IsKeyringIgnored(ReadOnlySpan<char> keyring) =>
        IgnoresAllKeyrings || _ignoredKeyrings.GetAlternateLookup<ReadOnlySpan<char>>().Contains(keyring);

    /// <summary>Python <c>re.match</c> of the excludes; a regex timeout counts as "not excluded".</summary>
    public bool IsExcluded(ReadOnlySpan<char> path)
    {
        if (Excludes is null)
        {
            return false;
        }

        try
        {
            return Excludes.IsMatch(path);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}

/// <summary>Either a compiled policy or the reason it could not be compiled.</summary>
public sealed record RuntimePolicyLoadResult(RuntimePolicy? Policy, string? Error)
{
    public bool Succeeded => Policy is not null;
}
