using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>One raw TPM2_PCR_Read answer: which PCRs it read (at most 8) and their values in selection order.</summary>
public sealed record PcrReadResult(uint UpdateCounter, IReadOnlyList<PcrBankSelection> Selection, IReadOnlyList<byte[]> Values);

public sealed partial class TpmCommands
{
    /// <summary>One TPM2_PCR_Read; the TPM may return fewer PCRs than asked (see <see cref="PcrReadAll"/>).</summary>
    public PcrReadResult PcrRead(IReadOnlyCollection<PcrBankSelection> selection)
    {
        var p = new TpmWriter();
        PcrBankSelection.WriteList(p, selection);
        var response = Run(Tpm2Cc.PcrRead, [], [], p);
        return Parse(Tpm2Cc.PcrRead, response, (ref TpmReader r) =>
        {
            var counter = r.ReadUInt32();
            var read = PcrBankSelection.ReadList(ref r);
            var count = r.ReadUInt32();
            var values = new List<byte[]>();
            for (var i = 0; i < count; i++)
            {
                values.Add(r.ReadSized("PCR value").ToArray());
            }

            return new PcrReadResult(counter, read, values);
        });
    }

    /// <summary>
    /// The values of every PCR in one bank, in ascending PCR order, looping because PCR_Read answers
    /// at most 8 digests per call (spec/tpm.md §3.5).
    /// </summary>
    public IReadOnlyList<byte[]> PcrReadAll(PcrBankSelection selection)
    {
        var values = new Dictionary<int, byte[]>();
        var pending = selection.Pcrs.ToList();
        while (pending.Count > 0)
        {
            var result = PcrRead([selection with { Pcrs = pending }]);
            var got = result.Selection.Where(s => s.HashAlg == selection.HashAlg).SelectMany(s => s.Pcrs).ToList();
            if (got.Count == 0 || got.Count != result.Values.Count)
            {
                throw new TpmTransportException(
                    $"TPM2_PCR_Read returned no values for PCRs {string.Join(',', pending)} of bank {selection.HashAlg} (bank not allocated?)");
            }

            for (var i = 0; i < got.Count; i++)
            {
                values[got[i]] = result.Values[i];
            }

            pending.RemoveAll(values.ContainsKey);
        }

        return selection.Pcrs.Select(p => values[p]).ToList();
    }

    /// <summary>TPM2_PCR_Extend of one digest into one bank of <paramref name="pcr"/>.</summary>
    public void PcrExtend(int pcr, ushort hashAlg, ReadOnlySpan<byte> digest)
    {
        var p = new TpmWriter().WriteUInt32(1).WriteUInt16(hashAlg).WriteBytes(digest);
        Run(Tpm2Cc.PcrExtend, [(uint)pcr], [TpmAuth.EmptyPassword], p);
    }

    /// <summary>TPM2_PCR_Reset (PCR 16 and 23 are resettable from locality 0).</summary>
    public void PcrReset(int pcr) => Run(Tpm2Cc.PcrReset, [(uint)pcr], [TpmAuth.EmptyPassword], null);
}
