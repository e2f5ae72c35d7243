using Keylime.Shared.Security;
using Keylime.Verifier.Api;

namespace Keylime.Verifier.Attestations;

/// <summary>One evidence item the verifier asks for: the agent's capabilities for it and the chosen parameters.</summary>
public sealed record RequestedEvidence(string EvidenceClass, string EvidenceType, Capabilities Capabilities, ChosenParameters ChosenParameters);

/// <summary>What the agent's enrollment requires (re-read on every negotiation).</summary>
public sealed record EvidenceNeeds(
    IReadOnlyList<int> RequiredPcrs,
    bool UefiExpected,
    bool ImaExpected,
    IReadOnlyList<string> AcceptHashAlgs,
    IReadOnlyList<string> AcceptSigningAlgs,
    byte[] EnrolledAk);

/// <summary>
/// Phase 1 negotiation (spec/verifier.md §7.2): from the agent's evidence_supported and its
/// enrollment, pick the quote's key, scheme, hash and PCRs, and the logs to send. Pure: no I/O.
/// </summary>
public static class EvidenceNegotiation
{
    public const int ChallengeBytes = 16;

    /// <summary>PCRs Keylime quotes for measured boot: 0–9 and 11–15 (PCR 10 is IMA's).</summary>
    public static readonly int[] BootPcrs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15];

    public const int ImaPcr = 10;

    private static readonly string[] KnownSchemes = ["rsassa", "rsapss", "ecdsa", "ecdaa", "ecschnorr"];
    private static readonly string[] KnownHashes = ["sha1", "sha256", "sha384", "sha512"];
    private const string Pointer = "/data/attributes/evidence_supported";

    public static string KeyAlgorithmOf(string scheme) => scheme is "rsassa" or "rsapss" ? "rsa" : "ecc";

    /// <summary>
    /// Keylime requests nothing from an agent without PCR, mb or runtime policy and the Rust agent then
    /// fails forever (spec §13); we always request a quote, over PCR 0 at least, so liveness is proven.
    /// </summary>
    public static List<int> RequiredPcrs(IEnumerable<int> tpmPolicyPcrs, bool uefi, bool ima)
    {
        var set = new SortedSet<int>(tpmPolicyPcrs);
        if (uefi)
        {
            set.UnionWith(BootPcrs);
        }

        if (ima)
        {
            set.Add(ImaPcr);
        }

        if (set.Count == 0)
        {
            set.Add(0);
        }

        return [.. set];
    }

    public static Outcome<List<RequestedEvidence>> Negotiate(IReadOnlyList<EvidenceSupported?>? supported, EvidenceNeeds needs, long? imaStartingOffset)
    {
        if (supported is null || supported.Count == 0)
        {
            return Invalid("evidence_supported is required and must be a non-empty array", Pointer);
        }

        for (var i = 0; i < supported.Count; i++)
        {
            if (ValidateItem(supported[i], i) is { } failure)
            {
                return failure;
            }
        }

        var items = new List<RequestedEvidence>();
        var quote = supported.Select(s => s!).Where(s => s.EvidenceType == EvidenceKinds.TpmQuote)
            .Select(s => (Item: s, Params: ChooseQuote(s.Capabilities!, needs)))
            .FirstOrDefault(c => c.Params is not null);
        if (quote.Params is null)
        {
            return Invalid("evidence_supported must contain a usable certification item of type 'tpm_quote' per agent policy", Pointer);
        }

        items.Add(new RequestedEvidence(EvidenceKinds.Certification, EvidenceKinds.TpmQuote, quote.Item.Capabilities!, quote.Params));
        if (needs.UefiExpected)
        {
            var uefi = supported.FirstOrDefault(s => s!.EvidenceType == EvidenceKinds.UefiLog && s.Capabilities?.Formats?.Contains(EvidenceKinds.OctetStream) == true);
            if (uefi is null)
            {
                return Invalid("evidence_supported must contain a log item of type 'uefi_log' (application/octet-stream) per agent policy", Pointer);
            }

            items.Add(new RequestedEvidence(EvidenceKinds.Log, EvidenceKinds.UefiLog, uefi.Capabilities!, new ChosenParameters { Format = EvidenceKinds.OctetStream }));
        }

        if (needs.ImaExpected)
        {
            var ima = supported.FirstOrDefault(s => s!.EvidenceType == EvidenceKinds.ImaLog);
            if (ima?.Capabilities is not { SupportsPartialAccess: true, EntryCount: not null } caps || caps.Formats?.Contains(EvidenceKinds.TextPlain) != true)
            {
                return Invalid("evidence_supported must contain a log item of type 'ima_log' (text/plain, partial access, entry_count) per agent policy", Pointer);
            }

            var offset = imaStartingOffset ?? 0;
            if (offset > caps.EntryCount)
            {
                offset = 0; // the log is shorter than what we verified: a new log, replay it from the start
            }

            items.Add(new RequestedEvidence(EvidenceKinds.Log, EvidenceKinds.ImaLog, caps, new ChosenParameters { StartingOffset = offset, Format = EvidenceKinds.TextPlain }));
        }

        return items;
    }

    private static ApiFailure? ValidateItem(EvidenceSupported? item, int index)
    {
        if (item is null || item.EvidenceClass is not (EvidenceKinds.Certification or EvidenceKinds.Log))
        {
            return Invalid("evidence_class must be 'certification' or 'log'", $"{Pointer}/{index}/evidence_class");
        }

        if (string.IsNullOrEmpty(item.EvidenceType))
        {
            return Invalid("evidence_type is required", $"{Pointer}/{index}/evidence_type");
        }

        var caps = item.Capabilities;
        if (caps is null)
        {
            return Invalid("capabilities are required", $"{Pointer}/{index}/capabilities");
        }

        if (item.EvidenceClass == EvidenceKinds.Certification)
        {
            if (caps.SignatureSchemes is null || caps.CertificationKeys is null || caps.CertificationKeys.Any(k => k?.KeyClass is null || k.KeySize is null))
            {
                return Invalid("signature_schemes and certification_keys (with key_class and key_size) are required", $"{Pointer}/{index}/capabilities");
            }

            if (item.EvidenceType == EvidenceKinds.TpmQuote && (caps.HashAlgorithms is null || caps.AvailableSubjects is null))
            {
                return Invalid("hash_algorithms and available_subjects are required", $"{Pointer}/{index}/capabilities");
            }
        }
        else if (caps.EntryCount < 0 || (caps.SupportsPartialAccess == true && caps.EntryCount is null))
        {
            return Invalid("entry_count must be >= 0 and is required with partial access", $"{Pointer}/{index}/capabilities/entry_count");
        }

        return null;
    }

    private static ChosenParameters? ChooseQuote(Capabilities caps, EvidenceNeeds needs)
    {
        if (caps.ComponentVersion is { } version && version != "2.0")
        {
            return null;
        }

        var schemes = needs.AcceptSigningAlgs.Where(s => KnownSchemes.Contains(s) && caps.SignatureSchemes!.Contains(s)).ToList();
        var hashes = needs.AcceptHashAlgs.Where(h => KnownHashes.Contains(h) && caps.HashAlgorithms!.Contains(h)
            && caps.AvailableSubjects!.TryGetValue(h, out var bank) && bank is not null && needs.RequiredPcrs.All(bank.Contains)).ToList();
        if (schemes.Count == 0 || hashes.Count == 0)
        {
            return null;
        }

        var candidates = caps.CertificationKeys!.Where(k => k is not null).Select(k => k!)
            .Select(k => (Key: k, Scheme: schemes.FirstOrDefault(s => KeyAlgorithmOf(s) == k.KeyAlgorithm && (k.AllowableSignatureSchemes?.Contains(s) ?? true)),
                Hash: hashes.FirstOrDefault(h => k.AllowableHashAlgorithms?.Contains(h) ?? true)))
            .Where(c => c.Scheme is not null && c.Hash is not null)
            .ToList();
        candidates = Prefer(candidates, c => BinaryText.TryDecode(c.Key.Public, out var pub) && Secrets.FixedTimeEquals(pub, needs.EnrolledAk));
        candidates = Prefer(candidates, c => c.Key.ServerIdentifier == "ak");
        if (candidates.Count == 0)
        {
            return null;
        }

        var chosen = candidates.OrderBy(c => schemes.IndexOf(c.Scheme!) + hashes.IndexOf(c.Hash!)).First();
        var subjects = caps.AvailableSubjects!.Keys
            .OrderBy(b => hashes.IndexOf(b) is var i && i < 0 ? int.MaxValue : i)
            .ToDictionary(b => b, b => b == chosen.Hash ? needs.RequiredPcrs.ToList() : null);
        return new ChosenParameters
        {
            Challenge = Convert.ToBase64String(Secrets.RandomBytes(ChallengeBytes)),
            SignatureScheme = chosen.Scheme,
            HashAlgorithm = chosen.Hash,
            SelectedSubjects = subjects,
            CertificationKey = chosen.Key,
        };
    }

    // Each preference is dropped if it would leave no candidate (spec §7.2).
    private static List<T> Prefer<T>(List<T> candidates, Func<T, bool> preferred)
    {
        var kept = candidates.Where(preferred).ToList();
        return kept.Count > 0 ? kept : candidates;
    }

    private static ApiFailure Invalid(string message, string pointer) => new(StatusCodes.Status422UnprocessableEntity, message, "invalid_resource_data", pointer);
}
