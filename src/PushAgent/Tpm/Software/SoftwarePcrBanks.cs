using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// SHA-1 and SHA-256 banks of 24 PCRs with a TPM's reset values after Startup(CLEAR) at locality 0:
/// zeros, except PCR 17-22 (DRTM) all ones (spec/tpm.md §5.7). Extend is new = H(old ‖ digest).
/// </summary>
internal sealed class SoftwarePcrBanks
{
    public const int PcrCount = 24;

    private readonly Dictionary<TpmAlg, byte[][]> _banks = new()
    {
        [TpmAlg.Sha1] = Reset(TpmAlg.Sha1),
        [TpmAlg.Sha256] = Reset(TpmAlg.Sha256),
    };

    public IReadOnlyCollection<TpmAlg> Banks => _banks.Keys;

    public void Extend(int pcr, TpmAlg bank, ReadOnlySpan<byte> digest)
    {
        var values = Bank(bank);
        if (pcr is < 0 or >= PcrCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pcr), "PCR indexes are 0..23");
        }

        if (digest.Length != TpmHash.DigestSize(bank))
        {
            throw new ArgumentException($"a {TpmHash.KeylimeName(bank)} extend needs {TpmHash.DigestSize(bank)} bytes", nameof(digest));
        }

        values[pcr] = TpmHash.Hash(bank, [.. values[pcr], .. digest]);
    }

    public PcrValues Read(PcrSelection selection)
    {
        var digests = new List<byte[]>();
        foreach (var bank in selection.Banks)
        {
            var values = Bank(bank.Hash);
            digests.AddRange(bank.Pcrs.Select(p => p < PcrCount
                ? (byte[])values[p].Clone()
                : throw new ArgumentOutOfRangeException(nameof(selection), "PCR indexes are 0..23")));
        }

        return PcrValues.Create(selection, digests);
    }

    private byte[][] Bank(TpmAlg bank) =>
        _banks.TryGetValue(bank, out var values)
            ? values
            : throw new ArgumentException($"the software TPM has no {bank} PCR bank (only sha1 and sha256)", nameof(bank));

    private static byte[][] Reset(TpmAlg bank) =>
        Enumerable.Range(0, PcrCount)
            .Select(i => Enumerable.Repeat(i is >= 17 and <= 22 ? (byte)0xFF : (byte)0, TpmHash.DigestSize(bank)).ToArray())
            .ToArray();
}
