using System.Buffers.Text;
using System.Text;
using Keylime.PushAgent.Protocol;

namespace Keylime.PushAgent.Evidence;

/// <summary>
/// Produces the evidence the verifier asked for in its 201 (spec/push-agent.md §6.2–6.3), in the
/// order asked: a quote with the challenge as nonce over the chosen PCRs, the IMA log from the
/// chosen offset, the UEFI log. Anything it cannot honour is an <see cref="EvidenceException"/>;
/// the caller then sends the error document so the verifier does not wait for a timeout.
/// </summary>
public static class EvidenceCollector
{
    private const int DataPcr = 16;

    public static EvidenceSubmission Collect(CapabilitiesResponse response, IAgentTpm tpm, EvidenceSources sources)
    {
        var requested = response.Data?.Attributes?.EvidenceRequested;
        if (requested is null || requested.Count == 0)
        {
            throw new EvidenceException("the verifier's answer requests no evidence");
        }

        var collected = new List<EvidenceCollected>();
        foreach (var request in requested)
        {
            switch (request.EvidenceType)
            {
                case "tpm_quote":
                    collected.Add(Quote(request.ChosenParameters, tpm));
                    break;
                case "ima_log":
                    collected.Add(Ima(request.ChosenParameters, sources.Ima));
                    break;
                case "uefi_log":
                    collected.Add(Uefi(sources.Uefi));
                    break;
                default:
                    // Unknown evidence types are skipped, as the Rust agent does; the verifier decides.
                    continue;
            }
        }

        return collected.Count > 0
            ? new EvidenceSubmission(new EvidenceSubmissionData("attestation", new EvidenceCollectedAttributes(collected)))
            : throw new EvidenceException("none of the requested evidence types is supported");
    }

    private static EvidenceCollected Quote(ChosenParameters? chosen, IAgentTpm tpm)
    {
        if (chosen?.Challenge is not { } challenge)
        {
            throw new EvidenceException("tpm_quote requested without a challenge");
        }

        var ak = tpm.Keys.Ak;
        var hash = chosen.HashAlgorithm ?? ak.HashAlgorithm;
        var scheme = chosen.SignatureScheme ?? ak.SignatureScheme;
        if (hash != ak.HashAlgorithm || scheme != ak.SignatureScheme)
        {
            throw new EvidenceException(
                $"verifier asked for a {scheme}/{hash} quote but the AK signs {ak.SignatureScheme}/{ak.HashAlgorithm}");
        }

        var pcrs = (chosen.SelectedSubjects?.GetValueOrDefault(hash) ?? [])
            .Where(p => p is >= 0 and <= 23)
            .Append(DataPcr)
            .Distinct()
            .Order()
            .ToList();
        var quote = tpm.Quote(Nonce(challenge), hash, pcrs);
        return new EvidenceCollected("certification", "tpm_quote", new EvidenceData
        {
            SubjectData = Convert.ToBase64String(quote.SubjectData),
            Message = Convert.ToBase64String(quote.Message),
            Signature = Convert.ToBase64String(quote.Signature),
        });
    }

    private static EvidenceCollected Ima(ChosenParameters? chosen, ImaLog log)
    {
        try
        {
            var (entries, count) = log.Read(Math.Max(0, chosen?.StartingOffset ?? 0), chosen?.EntryCount);
            return new EvidenceCollected("log", "ima_log", new EvidenceData { Entries = entries, EntryCount = count });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvidenceException($"cannot read the IMA log {log.Path}: {e.Message}");
        }
    }

    private static EvidenceCollected Uefi(UefiLog log) =>
        log.Bytes is { } bytes
            ? new EvidenceCollected("log", "uefi_log", new EvidenceData { Entries = Convert.ToBase64String(bytes) })
            : throw new EvidenceException($"the UEFI log {log.Path} was not readable at start");

    /// <summary>The challenge's bytes: base64-decoded when it is base64, else its UTF-8 text (spec §6.3).</summary>
    internal static byte[] Nonce(string challenge)
    {
        var bytes = Base64.IsValid(challenge, out _) ? Convert.FromBase64String(challenge) : Encoding.UTF8.GetBytes(challenge);
        return bytes.Length <= 64 ? bytes : throw new EvidenceException($"challenge of {bytes.Length} bytes is longer than a TPM nonce (64)");
    }
}

/// <summary>The requested evidence cannot be produced.</summary>
public sealed class EvidenceException : Exception
{
    public EvidenceException(string message)
        : base(message)
    {
    }
}
