using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// One TPMS_PCR_SELECTION: a bank (hash algorithm ID) and the PCR indexes selected in it, ascending
/// (spec/tpm.md §3.4). Bit b of byte i selects PCR 8·i + b; we always send at least 3 bytes because a
/// TPM rejects a sizeofSelect below its PCR_SELECT_MIN.
/// </summary>
public sealed record PcrBankSelection(TpmAlg HashAlg, IReadOnlyList<int> Pcrs)
{
    public const int MaxPcr = 23;

    public static PcrBankSelection Of(TpmAlg bank, IEnumerable<int> pcrs)
    {
        var sorted = pcrs.Distinct().Order().ToArray();
        if (sorted.Length > 0 && (sorted[0] < 0 || sorted[^1] > MaxPcr))
        {
            throw new ArgumentOutOfRangeException(nameof(pcrs), "PCR indexes must be 0..23");
        }

        return new PcrBankSelection(bank, sorted);
    }

    public void WriteTo(TpmWriter w)
    {
        var bitmap = new byte[Math.Max(3, Pcrs.Count == 0 ? 3 : (Pcrs.Max() / 8) + 1)];
        foreach (var pcr in Pcrs)
        {
            bitmap[pcr / 8] |= (byte)(1 << (pcr % 8));
        }

        w.WriteUInt16((ushort)HashAlg).WriteByte((byte)bitmap.Length).WriteBytes(bitmap);
    }

    public static PcrBankSelection ReadFrom(ref TpmReader r)
    {
        var alg = (TpmAlg)r.ReadUInt16();
        var size = r.ReadByte();
        var bitmap = r.ReadBytes(size, "pcrSelect");
        var pcrs = new List<int>();
        for (var i = 0; i < bitmap.Length * 8; i++)
        {
            if ((bitmap[i / 8] & (1 << (i % 8))) != 0)
            {
                pcrs.Add(i);
            }
        }

        return new PcrBankSelection(alg, pcrs);
    }

    /// <summary>Marshals a TPML_PCR_SELECTION.</summary>
    public static void WriteList(TpmWriter w, IReadOnlyCollection<PcrBankSelection> selections)
    {
        w.WriteUInt32((uint)selections.Count);
        foreach (var selection in selections)
        {
            selection.WriteTo(w);
        }
    }

    /// <summary>Parses a TPML_PCR_SELECTION.</summary>
    public static List<PcrBankSelection> ReadList(ref TpmReader r)
    {
        var count = r.ReadUInt32();
        if (count > 16)
        {
            throw new TpmFormatException($"TPML_PCR_SELECTION with {count} banks");
        }

        var list = new List<PcrBankSelection>((int)count);
        for (var i = 0; i < count; i++)
        {
            list.Add(ReadFrom(ref r));
        }

        return list;
    }

    public static byte[] MarshalList(params PcrBankSelection[] selections)
    {
        var w = new TpmWriter();
        WriteList(w, selections);
        return w.ToArray();
    }
}
