namespace Keylime.Shared.Tpm;

/// <summary>TPM Names and qualified names (TPM 2.0 Part 1 §16; spec/tpm.md §3.2).</summary>
public static class TpmName
{
    /// <summary>Qualified-name "parent" of a primary key in the endorsement hierarchy (TPM_RH_ENDORSEMENT).</summary>
    public static ReadOnlySpan<byte> EndorsementHierarchy => [0x40, 0x00, 0x00, 0x0B];

    /// <summary>Name = nameAlg (u16 BE) ‖ H_nameAlg(marshalled public area without its size).</summary>
    public static byte[] Compute(TpmAlg nameAlg, ReadOnlySpan<byte> publicArea)
    {
        var size = TpmHash.DigestSize(nameAlg);
        if (size == 0)
        {
            throw new TpmFormatException($"nameAlg 0x{(ushort)nameAlg:x4} cannot compute a Name");
        }

        var name = new byte[2 + size];
        name[0] = (byte)((ushort)nameAlg >> 8);
        name[1] = (byte)nameAlg;
        TpmHash.Hash(nameAlg, publicArea, name.AsSpan(2));
        return name;
    }

    /// <summary>QN = nameAlg ‖ H_nameAlg(QN(parent) ‖ Name); for a primary key QN(parent) is the hierarchy handle.</summary>
    public static byte[] Qualified(TpmAlg nameAlg, ReadOnlySpan<byte> parentQualifiedName, ReadOnlySpan<byte> name)
    {
        var input = new byte[parentQualifiedName.Length + name.Length];
        parentQualifiedName.CopyTo(input);
        name.CopyTo(input.AsSpan(parentQualifiedName.Length));
        return Compute(nameAlg, input);
    }
}
