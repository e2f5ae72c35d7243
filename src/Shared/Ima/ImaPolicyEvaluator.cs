namespace Keylime.Shared.Ima;

/// <summary>
/// The runtime-policy rules for one entry whose template hash checked out (spec §2.3). Keylime
/// passes an entry when it is excluded, OR its signature verifies, OR its digest is listed; the
/// three are tried cheapest first (lookup, exclude regex, signature), which gives the same verdict
/// while keeping regexes and signature checks off the common path.
/// </summary>
internal static class ImaPolicyEvaluator
{
    private const string BootAggregate = "boot_aggregate";

    public static void Evaluate(
        ImaEntryChecker checker, RuntimePolicy policy, ImaReplayRequest request, in ImaEntry entry, long number, ReadOnlySpan<byte> template,
        ulong pathHash)
    {
        switch (entry.Template)
        {
            case ImaTemplate.Ima:
            case ImaTemplate.ImaNg:
                CheckDigest(checker, policy, request, entry, number, template, PolicyMap.Digests, pathHash);
                break;
            case ImaTemplate.ImaSig:
                CheckSigned(checker, policy, request, entry, number, template, pathHash);
                break;
            case ImaTemplate.ImaBuf:
                CheckBuffer(checker, policy, request, entry, number, template);
                break;
        }
    }

    private enum PolicyMap
    {
        Digests,
        Keyrings,
        ImaBuf,
    }

    private static void CheckSigned(
        ImaEntryChecker checker, RuntimePolicy policy, ImaReplayRequest request, in ImaEntry entry, long number, ReadOnlySpan<byte> template,
        ulong pathHash)
    {
        if (IsListed(policy, request, entry, template, PolicyMap.Digests, pathHash) == PathMatch.Listed || policy.IsExcluded(entry.Name))
        {
            return;
        }

        if (!entry.ExtraHex.IsEmpty)
        {
            // [quirk] A signature field that is not a well-formed v2 header is kept in the template
            // data exactly as logged (that is what the kernel hashed), so the chain stays intact; it
            // just never verifies and the entry falls back to the digest list. Keylime instead drops
            // it before rebuilding the template and then reports a template-hash failure.
            var signature = template[^(entry.ExtraHex.Length / 2)..];
            var digest = DigestBytes(entry, template);
            if (ImaSignature.Verify(signature, entry.DigestAlgorithm, digest, policy.VerificationKeys, checker.LearnedKeyrings))
            {
                return;
            }
        }

        CheckDigest(checker, policy, request, entry, number, template, PolicyMap.Digests, pathHash);
    }

    /// <summary>ima-buf: a key is checked against <c>keyrings</c> and learned; anything else against <c>ima-buf</c>.</summary>
    private static void CheckBuffer(
        ImaEntryChecker checker, RuntimePolicy policy, ImaReplayRequest request, in ImaEntry entry, long number, ReadOnlySpan<byte> template)
    {
        var buffer = template[^(entry.ExtraHex.Length / 2)..];
        var key = ImaSignature.TryReadKey(buffer, out var unsupported);
        if (unsupported)
        {
            checker.Fail(new ImaFailure("ima.invalid_key", ImaFailureKind.PolicyViolation, number, entry.Name.ToString(),
                entry.DigestHex.ToString(), "keyrings", "ima-buf entry holds a key that is neither RSA nor EC"));
            return;
        }

        if (key is null)
        {
            CheckDigest(checker, policy, request, entry, number, template, PolicyMap.ImaBuf, 0);
            return;
        }

        // Ignored keyrings skip the check and are not learned. [quirk] kept: an exclude matching
        // the keyring name trusts (and learns) any key on it, as in Keylime.
        if (policy.IsKeyringIgnored(entry.Name))
        {
            return;
        }

        if (CheckDigest(checker, policy, request, entry, number, template, PolicyMap.Keyrings, 0))
        {
            checker.Learn(entry.Name.ToString(), key);
        }
    }

    /// <summary>
    /// Keylime's shared "ima-ng validator": excludes, then the path's list, then the digest.
    /// <paramref name="pathHash"/> is the name's hash in <c>digests</c> (computed a line ahead); other maps hash it here.
    /// </summary>
    private static bool CheckDigest(
        ImaEntryChecker checker, RuntimePolicy policy, ImaReplayRequest request, in ImaEntry entry, long number, ReadOnlySpan<byte> template,
        PolicyMap map, ulong pathHash)
    {
        var listing = IsListed(policy, request, entry, template, map, pathHash);
        if (listing == PathMatch.Listed || policy.IsExcluded(entry.Name))
        {
            return true;
        }

        var mapName = map switch { PolicyMap.Keyrings => "keyrings", PolicyMap.ImaBuf => "ima-buf", _ => "digests" };
        var path = entry.Name.ToString();
        var digest = entry.DigestHex.ToString().ToLowerInvariant();
        checker.Fail(listing == PathMatch.Missing
            ? new ImaFailure("ima.validation.ima-ng.not_in_allowlist", ImaFailureKind.PolicyViolation, number, path, digest, mapName,
                $"File not found in allowlist: {path} (entry {number}, {entry.DigestAlgorithm}:{digest}, policy \"{mapName}\")")
            : new ImaFailure("ima.validation.ima-ng.runtime_policy_hash", ImaFailureKind.PolicyViolation, number, path, digest, mapName,
                $"Hash not found in runtime policy: {path} has {entry.DigestAlgorithm}:{digest} (entry {number}), policy \"{mapName}\" allows " +
                string.Join(", ", Allowed(policy, request, entry, map))));
        return false;
    }

    private static PathMatch IsListed(
        RuntimePolicy policy, ImaReplayRequest request, in ImaEntry entry, ReadOnlySpan<byte> template, PolicyMap map, ulong pathHash)
    {
        // The algorithm is ignored: a digest matches any listed value of any length (spec §6 item 10).
        var digest = FileDigest(entry, template);
        var match = map switch
        {
            PolicyMap.Keyrings => policy.KeyringTable.Match(entry.Name, digest),
            PolicyMap.ImaBuf => policy.ImaBufTable.Match(entry.Name, digest),
            _ => policy.DigestTable.Match(entry.Name, pathHash, digest),
        };

        // The effective boot_aggregate list adds the UEFI log's aggregates per attestation
        // instead of mutating the shared policy as Keylime does (spec §6 item 22).
        if (match == PathMatch.Listed || map != PolicyMap.Digests || request.BootAggregates is not { } bootAggregates
            || !entry.Name.SequenceEqual(BootAggregate))
        {
            return match;
        }

        foreach (var allowed in bootAggregates)
        {
            if (HexEquals(allowed, entry.DigestHex))
            {
                return PathMatch.Listed;
            }
        }

        return PathMatch.WrongDigest;
    }

    private static IEnumerable<string> Allowed(RuntimePolicy policy, ImaReplayRequest request, in ImaEntry entry, PolicyMap map)
    {
        var list = map switch
        {
            PolicyMap.Keyrings => policy.TryGetKeyringDigests(entry.Name, out var l) ? l : [],
            PolicyMap.ImaBuf => policy.TryGetImaBufDigests(entry.Name, out var l) ? l : [],
            _ => policy.TryGetDigests(entry.Name, out var l) ? l : [],
        };
        return map == PolicyMap.Digests && entry.Name.SequenceEqual(BootAggregate) && request.BootAggregates is { } extra
            ? [.. list, .. extra]
            : list;
    }

    /// <summary>Policy values are lowercase hex (schema); the log's hex is compared case-insensitively, as Keylime re-encodes it.</summary>
    private static bool HexEquals(string allowed, ReadOnlySpan<char> hex) =>
        allowed.Length == hex.Length && allowed.AsSpan().Equals(hex, StringComparison.OrdinalIgnoreCase);

    /// <summary>The raw file digest inside the d-ng field of the template data.</summary>
    private static ReadOnlySpan<byte> DigestBytes(in ImaEntry entry, ReadOnlySpan<byte> template) =>
        template.Slice(4 + entry.DigestAlgorithm.Length + 2, entry.DigestHex.Length / 2);

    /// <summary>The raw file digest in the template data: first in the legacy template, else inside d-ng.</summary>
    private static ReadOnlySpan<byte> FileDigest(in ImaEntry entry, ReadOnlySpan<byte> template) =>
        entry.Template == ImaTemplate.Ima ? template[..(entry.DigestHex.Length / 2)] : DigestBytes(entry, template);
}
