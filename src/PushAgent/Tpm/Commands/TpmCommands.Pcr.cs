using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>One raw TPM2_PCR_Read answer: which PCRs it read (at most 8) and their values in selection order.</summary>
public sealed record PcrReadResult(uint UpdateCounter, PcrSelection Selection, IReadOnlyList<byte[]> Values);

public sealed partial class TpmCommands
{
    /// <summary>One TPM2_PCR_Read; the TPM may return fewer PCRs than asked (see <see cref="PcrReadAll"/>).</summary>
    public PcrReadResult PcrRead(PcrSelection selection)
    {
        var p = new TpmWriter();
        selection.Write(p);
        var response = Run(Tpm2Cc.PcrRead, [], [], p);
        return Parse(Tpm2Cc.PcrRead, response, (ref TpmReader r) =>
        {
            var counter = r.ReadUInt32();
            var read = PcrSelectionWire.Read(ref r);
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
    /// The values of every selected PCR, banks in selection order and PCRs ascending (the order of
    /// a quote's pcrDigest and of Keylime's PCR blob), looping because PCR_Read answers at most 8
    /// digests per call (spec/tpm.md §3.5).
    /// </summary>
    public PcrValues PcrReadAll(PcrSelection selection)
    {
        var values = new List<byte[]>();
        foreach (var bank in selection.Banks)
        {
            var got = new Dictionary<int, byte[]>();
            var pending = bank.Mask;
            while (pending != 0)
            {
                var result = PcrRead(new PcrSelection([new PcrBankSelection(bank.Hash, pending, bank.SizeOfSelect)]));
                var read = result.Selection.Bank(bank.Hash)?.Pcrs.ToList() ?? [];
                if (read.Count == 0 || read.Count != result.Values.Count)
                {
                    throw new TpmTransportException(
                        $"TPM2_PCR_Read returned no values for {new PcrSelection([new PcrBankSelection(bank.Hash, pending)])} (bank not allocated?)");
                }

                for (var i = 0; i < read.Count; i++)
                {
                    got[read[i]] = result.Values[i];
                    pending &= ~(1u << read[i]);
                }
            }

            values.AddRange(bank.Pcrs.Select(p => got[p]));
        }

        return PcrValues.Create(selection, values);
    }

    /// <summary>TPM2_PCR_Extend of one digest into one bank of <paramref name="pcr"/>.</summary>
    public void PcrExtend(int pcr, TpmAlg bank, ReadOnlySpan<byte> digest)
    {
        var p = new TpmWriter().WriteUInt32(1).WriteUInt16((ushort)bank).WriteBytes(digest);
        Run(Tpm2Cc.PcrExtend, [(uint)pcr], [TpmAuth.EmptyPassword], p);
    }

    /// <summary>TPM2_PCR_Reset (PCR 16 and 23 are resettable from locality 0).</summary>
    public void PcrReset(int pcr) => Run(Tpm2Cc.PcrReset, [(uint)pcr], [TpmAuth.EmptyPassword], null);
}
