using System.Numerics;

namespace Keylime.Shared.Tpm;

/// <summary>
/// One TPMS_PCR_SELECTION: a bank and a bitmap whose bit b of byte i selects PCR 8·i + b — the same
/// layout as Keylime's integer mask (LSB = PCR 0) read little-endian (spec/tpm.md §3.4).
/// </summary>
public sealed record PcrBankSelection(TpmAlg Hash, uint Mask, byte SizeOfSelect = 3)
{
    /// <summary>Largest sizeofSelect we accept: 4 bytes = 32 PCRs, the size of tpm2-tools' pcrSelect array.</summary>
    public const int MaxSizeOfSelect = 4;

    public bool Contains(int pcr) => pcr is >= 0 and < 32 && (Mask & (1u << pcr)) != 0;

    public int Count => BitOperations.PopCount(Mask);

    /// <summary>Selected PCR indexes, ascending.</summary>
    public IEnumerable<int> Pcrs
    {
        get
        {
            for (var pcr = 0; pcr < 32; pcr++)
            {
                if ((Mask & (1u << pcr)) != 0)
                {
                    yield return pcr;
                }
            }
        }
    }

    /// <summary>Two bank selections are the same when bank and PCRs agree; the select size is spelling.</summary>
    public bool Equals(PcrBankSelection? other) => other is not null && Hash == other.Hash && Mask == other.Mask;

    public override int GetHashCode() => HashCode.Combine(Hash, Mask);

    internal static PcrBankSelection FromBitmap(TpmAlg hash, ReadOnlySpan<byte> select)
    {
        if (select.Length > MaxSizeOfSelect)
        {
            throw new TpmFormatException($"sizeofSelect {select.Length} exceeds {MaxSizeOfSelect}");
        }

        uint mask = 0;
        for (var i = 0; i < select.Length; i++)
        {
            mask |= (uint)select[i] << (8 * i);
        }

        return new PcrBankSelection(hash, mask, (byte)select.Length);
    }
}

/// <summary>TPML_PCR_SELECTION: the banks and PCRs a quote covers, in the order their values are hashed.</summary>
public sealed class PcrSelection : IEquatable<PcrSelection>
{
    /// <summary>At most one entry per hash algorithm the TPM could implement (tpm2-tools' HASH_COUNT).</summary>
    public const int MaxBanks = 16;

    public PcrSelection(IReadOnlyList<PcrBankSelection> banks)
    {
        Banks = banks;
    }

    public IReadOnlyList<PcrBankSelection> Banks { get; }

    /// <summary>Total number of selected PCRs over all banks.</summary>
    public int Count => Banks.Sum(b => b.Count);

    /// <summary>One bank, Keylime-style mask (LSB = PCR 0; 0x408000 = PCRs 15 and 22).</summary>
    public static PcrSelection FromKeylimeMask(TpmAlg hash, uint mask)
    {
        if ((mask >> 24) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mask), "Keylime masks select PCRs 0-23 only");
        }

        return new PcrSelection([new PcrBankSelection(hash, mask)]);
    }

    /// <summary>One bank with the given PCRs.</summary>
    public static PcrSelection Of(TpmAlg hash, params int[] pcrs)
    {
        uint mask = 0;
        foreach (var pcr in pcrs)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(pcr);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(pcr, 23);
            mask |= 1u << pcr;
        }

        return new PcrSelection([new PcrBankSelection(hash, mask)]);
    }

    /// <summary>The selection of one bank, or null if the bank is not selected.</summary>
    public PcrBankSelection? Bank(TpmAlg hash) => Banks.FirstOrDefault(b => b.Hash == hash);

    public static PcrSelection Parse(ReadOnlySpan<byte> tpmlPcrSelection)
    {
        var reader = new TpmReader(tpmlPcrSelection);
        var selection = Read(ref reader);
        reader.ExpectEnd("TPML_PCR_SELECTION");
        return selection;
    }

    /// <summary>Reads a TPML_PCR_SELECTION inside a larger structure (a PCR_Read response).</summary>
    public static PcrSelection Read(ref TpmReader reader)
    {
        var count = reader.ReadUInt32();
        if (count > MaxBanks)
        {
            throw new TpmFormatException($"TPML_PCR_SELECTION declares {count} banks, more than {MaxBanks}");
        }

        var banks = new PcrBankSelection[count];
        for (var i = 0; i < banks.Length; i++)
        {
            var hash = (TpmAlg)reader.ReadUInt16();
            var size = reader.ReadByte();
            banks[i] = PcrBankSelection.FromBitmap(hash, reader.ReadBytes(size, "pcrSelect"));
        }

        return new PcrSelection(banks);
    }

    public void Write(TpmWriter writer)
    {
        writer.WriteUInt32((uint)Banks.Count);
        foreach (var bank in Banks)
        {
            writer.WriteUInt16((ushort)bank.Hash).WriteByte(bank.SizeOfSelect);
            for (var i = 0; i < bank.SizeOfSelect; i++)
            {
                writer.WriteByte((byte)(bank.Mask >> (8 * i)));
            }
        }
    }

    public byte[] ToBytes()
    {
        var writer = new TpmWriter(4 + 6 * Banks.Count);
        Write(writer);
        return writer.ToArray();
    }

    public bool Equals(PcrSelection? other) => other is not null && Banks.SequenceEqual(other.Banks);

    public override bool Equals(object? obj) => obj is PcrSelection other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var bank in Banks)
        {
            hash.Add(bank);
        }

        return hash.ToHashCode();
    }

    /// <summary>tpm2-tools spelling: <c>sha256:0,7,10+sha1:0</c>.</summary>
    public override string ToString() =>
        string.Join("+", Banks.Select(b => $"{TpmHash.KeylimeName(b.Hash) ?? $"0x{(ushort)b.Hash:x4}"}:{string.Join(",", b.Pcrs)}"));
}
