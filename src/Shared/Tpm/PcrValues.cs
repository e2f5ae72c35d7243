using System.Buffers;
using System.Buffers.Binary;

namespace Keylime.Shared.Tpm;

/// <summary>One PCR value: bank, index, digest.</summary>
public sealed record PcrValue(TpmAlg Bank, int Index, byte[] Digest);

/// <summary>
/// PCR values in selection order (banks in list order, PCRs ascending), plus the codec for the
/// tpm2-tools "serialized" PCR file that Keylime carries as <c>pcrblob</c> / push-model
/// <c>subject_data</c> (spec/tpm.md §3.10, spec/verifier.md §8.3). That file is a little-endian
/// C memory image: TPML_PCR_SELECTION (132 bytes), u32 n, n × TPML_DIGEST (532 bytes each).
/// </summary>
public sealed class PcrValues
{
    private const int SelectionImageSize = 4 + PcrSelection.MaxBanks * 8;
    private const int DigestsPerList = 8;
    private const int DigestSlotSize = 2 + 64;
    private const int DigestListImageSize = 4 + DigestsPerList * DigestSlotSize;

    public PcrValues(PcrSelection selection, IReadOnlyList<PcrValue> values)
    {
        Selection = selection;
        Values = values;
    }

    public PcrSelection Selection { get; }

    /// <summary>Values in selection order: the order the quote's pcrDigest hashes them in.</summary>
    public IReadOnlyList<PcrValue> Values { get; }

    /// <summary>The value of one PCR, or null if it was not read.</summary>
    public byte[]? Get(TpmAlg bank, int index) => Values.FirstOrDefault(v => v.Bank == bank && v.Index == index)?.Digest;

    /// <summary>One bank's values by PCR index.</summary>
    public IReadOnlyDictionary<int, byte[]> Bank(TpmAlg bank) =>
        Values.Where(v => v.Bank == bank).ToDictionary(v => v.Index, v => v.Digest);

    /// <summary>Assigns digests (in selection order) to the selection's PCRs.</summary>
    public static PcrValues Create(PcrSelection selection, IReadOnlyList<byte[]> digestsInSelectionOrder)
    {
        var values = new List<PcrValue>(digestsInSelectionOrder.Count);
        var next = 0;
        foreach (var bank in selection.Banks)
        {
            foreach (var pcr in bank.Pcrs)
            {
                if (next >= digestsInSelectionOrder.Count)
                {
                    throw new TpmFormatException($"{digestsInSelectionOrder.Count} PCR values for a selection of {selection.Count}");
                }

                var digest = digestsInSelectionOrder[next++];
                var expected = TpmHash.DigestSize(bank.Hash);
                if (expected != 0 && digest.Length != expected)
                {
                    throw new TpmFormatException($"PCR {pcr} of bank {bank.Hash} has {digest.Length} bytes, not {expected}");
                }

                values.Add(new PcrValue(bank.Hash, pcr, digest));
            }
        }

        if (next != digestsInSelectionOrder.Count)
        {
            throw new TpmFormatException($"{digestsInSelectionOrder.Count} PCR values for a selection of {selection.Count}");
        }

        return new PcrValues(selection, values);
    }

    /// <summary>H(concatenation of all values in selection order): what TPMS_QUOTE_INFO.pcrDigest must equal.</summary>
    public byte[] ComputeDigest(TpmAlg hash)
    {
        var total = 0;
        foreach (var v in Values)
        {
            total += v.Digest.Length;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        try
        {
            var offset = 0;
            foreach (var v in Values)
            {
                v.Digest.CopyTo(buffer, offset);
                offset += v.Digest.Length;
            }

            return TpmHash.Hash(hash, buffer.AsSpan(0, total));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses the tpm2-tools serialized PCR file (Keylime <c>subject_data</c>); must be consumed exactly.</summary>
    public static PcrValues ParseSubjectData(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < SelectionImageSize + 4)
        {
            throw new TpmFormatException($"PCR blob of {blob.Length} bytes is shorter than its {SelectionImageSize + 4}-byte header");
        }

        var selection = ReadSelectionImage(blob[..SelectionImageSize]);
        var lists = BinaryPrimitives.ReadUInt32LittleEndian(blob.Slice(SelectionImageSize, 4));
        var rest = blob[(SelectionImageSize + 4)..];
        if (lists > (uint)(rest.Length / DigestListImageSize) || rest.Length != lists * DigestListImageSize)
        {
            throw new TpmFormatException($"PCR blob declares {lists} digest lists but holds {rest.Length} bytes after the header");
        }

        var digests = new List<byte[]>();
        for (var i = 0; i < lists; i++)
        {
            ReadDigestListImage(rest.Slice(i * DigestListImageSize, DigestListImageSize), digests);
        }

        return Create(selection, digests);
    }

    /// <summary>Writes the tpm2-tools serialized PCR file, 8 digests per TPML_DIGEST image.</summary>
    public byte[] ToSubjectData()
    {
        if (Selection.Banks.Count > PcrSelection.MaxBanks)
        {
            throw new InvalidOperationException("too many banks for a PCR blob");
        }

        var lists = (Values.Count + DigestsPerList - 1) / DigestsPerList;
        var blob = new byte[SelectionImageSize + 4 + lists * DigestListImageSize];
        BinaryPrimitives.WriteUInt32LittleEndian(blob, (uint)Selection.Banks.Count);
        for (var i = 0; i < Selection.Banks.Count; i++)
        {
            var bank = Selection.Banks[i];
            var slot = blob.AsSpan(4 + i * 8, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(slot, (ushort)bank.Hash);
            slot[2] = bank.SizeOfSelect;
            BinaryPrimitives.WriteUInt32LittleEndian(slot[3..], bank.Mask);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(SelectionImageSize), (uint)lists);
        for (var i = 0; i < Values.Count; i++)
        {
            var list = blob.AsSpan(SelectionImageSize + 4 + i / DigestsPerList * DigestListImageSize, DigestListImageSize);
            BinaryPrimitives.WriteUInt32LittleEndian(list, (uint)Math.Min(DigestsPerList, Values.Count - i / DigestsPerList * DigestsPerList));
            var slot = list.Slice(4 + i % DigestsPerList * DigestSlotSize, DigestSlotSize);
            BinaryPrimitives.WriteUInt16LittleEndian(slot, (ushort)Values[i].Digest.Length);
            Values[i].Digest.CopyTo(slot[2..]);
        }

        return blob;
    }

    private static PcrSelection ReadSelectionImage(ReadOnlySpan<byte> image)
    {
        var count = BinaryPrimitives.ReadUInt32LittleEndian(image);
        if (count > PcrSelection.MaxBanks)
        {
            throw new TpmFormatException($"PCR blob selects {count} banks, more than {PcrSelection.MaxBanks}");
        }

        var banks = new PcrBankSelection[count];
        for (var i = 0; i < banks.Length; i++)
        {
            var slot = image.Slice(4 + i * 8, 8);
            var hash = (TpmAlg)BinaryPrimitives.ReadUInt16LittleEndian(slot);
            var size = slot[2];
            if (size > PcrBankSelection.MaxSizeOfSelect)
            {
                throw new TpmFormatException($"PCR blob sizeofSelect {size} exceeds {PcrBankSelection.MaxSizeOfSelect}");
            }

            banks[i] = PcrBankSelection.FromBitmap(hash, slot.Slice(3, size));
        }

        return new PcrSelection(banks);
    }

    private static void ReadDigestListImage(ReadOnlySpan<byte> image, List<byte[]> digests)
    {
        var count = BinaryPrimitives.ReadUInt32LittleEndian(image);
        if (count > DigestsPerList)
        {
            throw new TpmFormatException($"PCR blob digest list declares {count} digests, more than {DigestsPerList}");
        }

        for (var i = 0; i < count; i++)
        {
            var slot = image.Slice(4 + i * DigestSlotSize, DigestSlotSize);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(slot);
            if (size > 64)
            {
                throw new TpmFormatException($"PCR blob digest of {size} bytes exceeds 64");
            }

            digests.Add(slot.Slice(2, size).ToArray());
        }
    }
}
