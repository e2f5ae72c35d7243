using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// Reads a TPML_PCR_SELECTION in the middle of a response (the core's <see cref="PcrSelection.Parse"/>
/// wants the structure alone). Bit b of byte i selects PCR 8·i + b (spec/tpm.md §3.4).
/// </summary>
internal static class PcrSelectionWire
{
    public static PcrSelection Read(ref TpmReader r)
    {
        var count = r.ReadUInt32();
        if (count > PcrSelection.MaxBanks)
        {
            throw new TpmFormatException($"TPML_PCR_SELECTION with {count} banks");
        }

        var banks = new List<PcrBankSelection>((int)count);
        for (var i = 0; i < count; i++)
        {
            var hash = (TpmAlg)r.ReadUInt16();
            var size = r.ReadByte();
            var bitmap = r.ReadBytes(size, "pcrSelect");
            if (size > PcrBankSelection.MaxSizeOfSelect)
            {
                throw new TpmFormatException($"sizeofSelect {size}");
            }

            uint mask = 0;
            for (var b = 0; b < bitmap.Length; b++)
            {
                mask |= (uint)bitmap[b] << (8 * b);
            }

            banks.Add(new PcrBankSelection(hash, mask, size));
        }

        return new PcrSelection(banks);
    }
}
