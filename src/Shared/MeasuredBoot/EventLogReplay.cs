using System.Security.Cryptography;
using Keylime.Shared.Ima;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>
/// PCR values replayed from an event log, per bank (spec §3.2). PCRs no event extended are null
/// in <see cref="Banks"/>; <see cref="ValueOf"/> reports them as zeros, the value Keylime expects.
/// </summary>
public sealed class EventLogReplay
{
    public const int PcrCount = 24;
    private static readonly byte[] StartupLocality = "StartupLocality\0"u8.ToArray();

    private EventLogReplay(Dictionary<ushort, byte[]?[]> banks) => Banks = banks;

    /// <summary>TPM_ALG_ID → PCR index → value (null = never extended).</summary>
    public IReadOnlyDictionary<ushort, byte[]?[]> Banks { get; }

    public bool HasBank(ushort algorithmId) => Banks.ContainsKey(algorithmId);

    /// <summary>The replayed value, zeros when the log never extended the PCR; null when the bank is absent.</summary>
    public byte[]? ValueOf(ushort algorithmId, int pcr) =>
        Banks.TryGetValue(algorithmId, out var bank) ? bank[pcr] ?? new byte[HashFor(algorithmId)!.Value.Size] : null;

    /// <summary>
    /// TCG replay: every bank independently from zeros; EV_NO_ACTION is never extended. PCR 0
    /// starts with its last byte = the StartupLocality event's locality, or 4 with an H-CRTM event
    /// (which wins). [quirk] tpm2-tools 5.4 extends EV_NO_ACTION and ignores the locality; we follow
    /// the TCG rules, so PCR 0 of such logs differs from what old tools print but matches the TPM.
    /// Event digests are not recomputed from the event data.
    /// </summary>
    internal static EventLogReplay Of(EventLog log)
    {
        byte pcr0Locality = 0;
        foreach (var e in log.Events)
        {
            if (e.PcrIndex != 0)
            {
                continue;
            }

            if (e.EventType == TcgEventTypes.EfiHcrtmEvent)
            {
                pcr0Locality = 4;
                break;
            }

            if (e.EventType == TcgEventTypes.NoAction && e.Data.Length > StartupLocality.Length
                && e.Data.Span.StartsWith(StartupLocality))
            {
                pcr0Locality = e.Data.Span[StartupLocality.Length];
            }
        }

        var banks = new Dictionary<ushort, byte[]?[]>();
        foreach (var (alg, size) in log.DigestSizes)
        {
            if (HashFor(alg) is not { } hash || hash.Size != size)
            {
                continue; // e.g. SM3: cannot be replayed in .NET; a quote in that bank will find no bank.
            }

            banks[alg] = ReplayBank(log, alg, hash, pcr0Locality);
        }

        return new EventLogReplay(banks);
    }

    private static byte[]?[] ReplayBank(EventLog log, ushort alg, (HashAlgorithmName Name, int Size) hash, byte pcr0Locality)
    {
        var pcrs = new byte[]?[PcrCount];
        ImaHashAlgorithms.TryFromTpmAlgorithmId(alg, out var algorithm); // HashFor(alg) succeeded: one of the four
        using var hasher = ImaDigester.Create(algorithm);
        foreach (var e in log.Events)
        {
            if (e.EventType == TcgEventTypes.NoAction || e.PcrIndex >= PcrCount || e.DigestOf(alg) is not { } digest)
            {
                continue;
            }

            var pcr = pcrs[e.PcrIndex];
            if (pcr is null)
            {
                pcr = pcrs[e.PcrIndex] = new byte[hash.Size];
                if (e.PcrIndex == 0)
                {
                    pcr[^1] = pcr0Locality;
                }
            }

            hasher.Extend(pcr, digest);
        }

        return pcrs;
    }

    /// <summary>
    /// Boot aggregates (spec §3.6): for each bank, H(PCR0‖…‖PCR7) and H(PCR0‖…‖PCR9) over the
    /// replayed values, hex; a variant is skipped when one of its PCRs was never extended.
    /// </summary>
    public IReadOnlyList<string> BootAggregates()
    {
        var result = new List<string>();
        foreach (var alg in new[] { TcgAlgorithms.Sha1, TcgAlgorithms.Sha256, TcgAlgorithms.Sha384, TcgAlgorithms.Sha512 })
        {
            if (!Banks.TryGetValue(alg, out var bank))
            {
                continue;
            }

            using var hasher = IncrementalHash.CreateHash(HashFor(alg)!.Value.Name);
            foreach (var last in new[] { 7, 9 })
            {
                if (bank.Take(last + 1).Any(v => v is null))
                {
                    continue;
                }

                for (var i = 0; i <= last; i++)
                {
                    hasher.AppendData(bank[i]!);
                }

                result.Add(Convert.ToHexStringLower(hasher.GetHashAndReset()));
            }
        }

        return result;
    }

    internal static (HashAlgorithmName Name, int Size)? HashFor(ushort alg) => alg switch
    {
        TcgAlgorithms.Sha1 => (HashAlgorithmName.SHA1, 20),
        TcgAlgorithms.Sha256 => (HashAlgorithmName.SHA256, 32),
        TcgAlgorithms.Sha384 => (HashAlgorithmName.SHA384, 48),
        TcgAlgorithms.Sha512 => (HashAlgorithmName.SHA512, 64),
        _ => null,
    };
}
