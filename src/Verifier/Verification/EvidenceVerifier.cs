using System.Globalization;
using System.Text;
using System.Text.Json;
using Keylime.Shared.Configuration;
using Keylime.Shared.Ima;
using Keylime.Shared.Tpm;
using Keylime.Verifier.Api;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Everything one verification reads: the agent snapshot (with its policies), the attestation and its
/// evidence, and the earliest expiry of the agent's live tokens (for the token extension of a pass).
/// </summary>
public sealed record VerificationInput(Agent Agent, Attestation Attestation, IReadOnlyList<EvidenceItem> Items)
{
    public DateTime? EarliestTokenExpiry { get; init; }

    /// <summary>The row versions the agent snapshot was read at (PostgreSQL), so the verdict can carry it on (<see cref="CarriedSnapshots"/>).</summary>
    public RowVersions? Versions { get; init; }

    /// <summary>
    /// The items' chosen parameters and evidence as the PATCH that accepted them parsed them, in
    /// <see cref="Items"/> order; null when the input was read back from the database (re-queue).
    /// </summary>
    public IReadOnlyList<ParsedEvidence>? Parsed { get; init; }

    public ChosenParameters? ChosenOf(EvidenceItem? item) =>
        item is null ? null : ParsedOf(item)?.Chosen ?? AttestationResources.Read(item.ChosenParameters, ProtocolJson.Default.ChosenParameters);

    public EvidenceData? DataOf(EvidenceItem? item) =>
        item is null ? null : ParsedOf(item)?.Data ?? AttestationResources.Read(item.Data, ProtocolJson.Default.EvidenceData);

    /// <summary>The quote's parts as the PATCH decoded them; null when they must be decoded here.</summary>
    public QuoteBlobs? QuoteOf(EvidenceItem? item) => item is null ? null : ParsedOf(item)?.Quote;

    private ParsedEvidence? ParsedOf(EvidenceItem item)
    {
        for (var i = 0; Parsed is not null && i < Items.Count && i < Parsed.Count; i++)
        {
            if (ReferenceEquals(Items[i], item))
            {
                return Parsed[i];
            }
        }

        return null;
    }
}

/// <summary>One evidence item's chosen parameters and collected evidence, parsed once by the PATCH that validated them.</summary>
public sealed record ParsedEvidence(ChosenParameters Chosen, EvidenceData Data)
{
    /// <summary>A quote item's message, signature and PCR blob, decoded from their base64.</summary>
    public QuoteBlobs? Quote { get; init; }
}

/// <summary>A TPM quote's parts: TPMS_ATTEST, TPMT_SIGNATURE and the PCR blob (<c>subject_data</c>).</summary>
public sealed record QuoteBlobs(byte[] Message, byte[] Signature, byte[] SubjectData)
{
    /// <summary>The parts of a quote item's evidence, decoded (base64, or hex); null when one of them does not decode.</summary>
    public static QuoteBlobs? Decode(EvidenceData data) =>
        BinaryText.TryDecode(data.Message, out var message) && BinaryText.TryDecode(data.Signature, out var signature)
        && BinaryText.TryDecode(data.SubjectData, out var blob)
            ? new QuoteBlobs(message, signature, blob)
            : null;
}

/// <summary>
/// The checks of spec/verifier.md §8.2, in order: the quote (signature, nonce, pcrDigest, clock against
/// the last authenticated quote — steps 1–6, any failure = <c>broken_evidence_chain</c>), then the IMA
/// measured-boot log against the boot PCRs and the mb policy (its boot aggregates feed IMA), the IMA log
/// against PCR 10 and the runtime policy, then the PCR values against <c>tpm_policy</c>. CPU only, no I/O.
/// </summary>
public class EvidenceVerifier(VerifierOptions options, RuntimePolicyCache policies)
{
    /// <summary>The compiled runtime policies the IMA check uses (the worker loads a policy's text when needed).</summary>
    public RuntimePolicyCache Policies => policies;

    /// <summary>Virtual so a test can hold a verification open past <c>verification_timeout</c>.</summary>
    public virtual VerificationOutcome Verify(VerificationInput input)
    {
        var quoteItem = input.Items.FirstOrDefault(i => i.EvidenceType == EvidenceKinds.TpmQuote);
        var chosen = input.ChosenOf(quoteItem);
        var data = input.DataOf(quoteItem);
        if (chosen is null || data is null)
        {
            return VerificationOutcome.Broken("quote_validation.missing", "no tpm_quote evidence");
        }

        var hash = TpmHashNames.Parse(chosen.HashAlgorithm);
        var scheme = TpmHashNames.ParseScheme(chosen.SignatureScheme);
        if (hash is null || !BinaryText.TryDecode(chosen.Challenge, out var challenge) || (input.QuoteOf(quoteItem) ?? QuoteBlobs.Decode(data)) is not { } blobs)
        {
            return VerificationOutcome.Broken("quote_validation.malformed", "quote evidence is not decodable");
        }

        var (message, signature, blob) = blobs;

        QuoteVerification quote;
        try
        {
            quote = QuoteVerifier.ForAk(input.Agent.AkTpm).Verify(message, signature, blob, challenge, new QuoteExpectations
            {
                HashAlgorithm = hash,
                SignatureScheme = scheme,
                PreviousClock = ClockJson.Read(input.Agent.TpmClockInfo),
            });
        }
        catch (TpmFormatException e)
        {
            return VerificationOutcome.Broken("quote_validation.ak", $"enrolled AK unusable: {e.Message}");
        }

        if (!quote.IsValid)
        {
            return VerificationOutcome.Broken("qoute_validation.quote_validation", $"quote check '{quote.FailedCheck}' failed: {quote.Message}",
                chosen.HashAlgorithm!, chosen.SignatureScheme ?? "");
        }

        var bank = quote.Pcrs!.Bank(hash.Value);
        var failures = new List<(string Reason, string EventId, string Detail)>();
        var bootAggregates = MeasuredBootStep.Check(input, hash.Value, bank, options, failures);
        var ima = CheckIma(input, hash.Value, bank, bootAggregates, failures);

        CheckTpmPolicy(input.Agent.TpmPolicy, hash.Value, bank, failures);
        var first = failures.FirstOrDefault(f => f.Reason == AttestationStates.BrokenEvidenceChain);
        if (first.Reason is null && failures.Count > 0)
        {
            first = failures[0];
        }

        var detail = failures.Count == 0 ? null : string.Join("; ", failures.Take(5).Select(f => f.Detail)) + (failures.Count > 5 ? $"; … ({failures.Count} failures)" : "");
        return new VerificationOutcome(first.Reason, detail, first.EventId, quote.ClockInfo, ima, chosen.HashAlgorithm!, chosen.SignatureScheme ?? "");
    }

    private ImaStateUpdate? CheckIma(VerificationInput input, TpmAlg hash, IReadOnlyDictionary<int, byte[]> bank, IReadOnlyCollection<string>? bootAggregates,
        List<(string, string, string)> failures)
    {
        var item = input.Items.FirstOrDefault(i => i.EvidenceType == EvidenceKinds.ImaLog);
        if (item is null || input.Agent.RuntimePolicy is not { } stored)
        {
            return null;
        }

        var chosen = input.ChosenOf(item)!;
        var entries = input.DataOf(item)?.Entries ?? "";
        var offset = chosen.StartingOffset ?? 0;
        var policy = policies.Get(stored);
        if (policy.Policy is null)
        {
            failures.Add((AttestationStates.PolicyViolation, "ima.policy.invalid", $"runtime policy '{stored.Name}' unusable: {policy.Error}"));
            return Reset(0);
        }

        if (!ImaHashAlgorithms.TryFromTpmAlgorithmId((ushort)hash, out var imaBank) || !bank.TryGetValue(EvidenceNegotiation.ImaPcr, out var pcr10))
        {
            failures.Add((AttestationStates.PolicyViolation, "ima.pcr_missing", "PCR 10 is not in the quote"));
            return Reset(0);
        }

        var agent = input.Agent;
        var incremental = offset > 0 && agent.NextImaMlEntry == offset && agent.Pcr10 is { Length: > 0 };
        if (offset > 0 && !incremental)
        {
            failures.Add((AttestationStates.PolicyViolation, "ima.state_mismatch", $"starting_offset {offset} does not match the verified IMA state"));
            return Reset(0);
        }

        var result = ImaLog.Replay(policy.Policy, new ImaReplayRequest
        {
            Entries = entries,
            StartingOffset = offset,
            Bank = imaBank,
            QuotedPcr10 = pcr10,
            PreviousPcr10 = incremental ? agent.Pcr10 : null,
            PreviousProgress = incremental ? ProgressJson.Read(agent.ImaQuoteProgress) : null,
            LearnedKeyrings = incremental ? KeyringJson.Read(agent.LearnedImaKeyrings) : null,
            BootAggregates = bootAggregates,
            FailOnViolations = options.IgnoreTomtouErrors,
        });
        if (!result.Passed)
        {
            var f = result.FirstFailure!;
            var reason = result.FailureKind == ImaFailureKind.BrokenEvidenceChain ? AttestationStates.BrokenEvidenceChain : AttestationStates.PolicyViolation;
            failures.Add((reason, f.EventId,
                $"IMA {f.EventId}: entry {f.Entry?.ToString(CultureInfo.InvariantCulture) ?? "-"} path {f.Path ?? "-"} digest {f.Digest ?? "-"} rule {f.Rule}: {f.Message}"));
        }

        return result.NextState is { } next
            ? new ImaStateUpdate(next.NextEntry, next.Pcr10, next.Progress, KeyringJson.Write(next.LearnedKeyrings), result.CertifiedEntryCount)
            : Reset(result.CertifiedEntryCount);
    }

    private static ImaStateUpdate Reset(long certified) => new(0, null, null, "{}", certified);

    private static void CheckTpmPolicy(string tpmPolicy, TpmAlg hash, IReadOnlyDictionary<int, byte[]> bank, List<(string, string, string)> failures)
    {
        var hexLength = TpmHash.DigestSize(hash) * 2;
        foreach (var (pcr, allowed) in PcrPolicy.Parse(tpmPolicy))
        {
            if (!bank.TryGetValue(pcr, out var value))
            {
                failures.Add((AttestationStates.PolicyViolation, "tpm.missing_pcrs", $"PCR {pcr} is required by tpm_policy but not quoted"));
                continue;
            }

            var hex = Convert.ToHexStringLower(value);
            if (!allowed.Any(a => a.Length == hexLength && a == hex))
            {
                failures.Add((AttestationStates.PolicyViolation, $"tpm.invalid_pcr_{pcr}", $"PCR {pcr} = {hex} is not allowed by tpm_policy"));
            }
        }
    }
}

/// <summary>Agent <c>tpm_clockinfo</c> JSON as Keylime stores it: clock, resetCount, restartCount, safe.</summary>
public static class ClockJson
{
    public static TpmClockInfo? Read(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("clock", out var clock)
            ? null
            : new TpmClockInfo(clock.GetUInt64(), root.GetProperty("resetCount").GetUInt32(), root.GetProperty("restartCount").GetUInt32(),
                root.GetProperty("safe").ValueKind == JsonValueKind.True || (root.GetProperty("safe").ValueKind == JsonValueKind.Number && root.GetProperty("safe").GetInt32() == 1));
    }

    public static string Write(TpmClockInfo clock) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"clock\": {clock.Clock}, \"resetCount\": {clock.ResetCount}, \"restartCount\": {clock.RestartCount}, \"safe\": {(clock.Safe ? 1 : 0)}}}");
}

/// <summary>Agent <c>ima_quote_progress</c>: [certified entries, received entries].</summary>
public static class ProgressJson
{
    public static ImaQuoteProgress? Read(string? json)
    {
        var values = string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, ProtocolJson.Default.Int64Array);
        return values is { Length: 2 } ? new ImaQuoteProgress((int)values[0], (int)values[1]) : null;
    }

    public static string? Write(ImaQuoteProgress? progress) =>
        progress is null ? null : string.Create(CultureInfo.InvariantCulture, $"[{progress.CertifiedEntries}, {progress.ReceivedEntries}]");
}

/// <summary>Learned IMA keyrings: keyring name → base64 SubjectPublicKeyInfo of each key.</summary>
public static class KeyringJson
{
    public static IReadOnlyDictionary<string, ImaKeyring>? Read(string? json)
    {
        var stored = string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, ProtocolJson.Default.DictionaryStringStringArray);
        if (stored is null || stored.Count == 0)
        {
            return null;
        }

        var result = new Dictionary<string, ImaKeyring>(StringComparer.Ordinal);
        foreach (var (name, keys) in stored)
        {
            var ring = new ImaKeyring();
            foreach (var key in keys)
            {
                ring.Add(ImaKey.FromSubjectPublicKeyInfo(Convert.FromBase64String(key)));
            }

            result[name] = ring;
        }

        return result;
    }

    public static string Write(IReadOnlyDictionary<string, ImaKeyring>? keyrings)
    {
        if (keyrings is null || keyrings.Count == 0)
        {
            return "{}";
        }

        var stored = keyrings.ToDictionary(k => k.Key, k => k.Value.Keys.Select(key => Convert.ToBase64String(key.SubjectPublicKeyInfo)).ToArray());
        return JsonSerializer.Serialize(stored, ProtocolJson.Default.DictionaryStringStringArray);
    }
}
