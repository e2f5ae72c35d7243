using System.Buffers.Binary;

namespace Keylime.Shared.Tpm;

/// <summary>
/// Big-endian reader over TPM 2.0 marshalled bytes (TPM 2.0 Part 2). Every read is bounds-checked
/// and reports a <see cref="TpmFormatException"/>; a forged size field can never allocate more than
/// the input holds, because sized buffers are returned as slices of the input.
/// </summary>
public ref struct TpmReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public TpmReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool IsAtEnd => _position == _data.Length;

    /// <summary>The bytes consumed so far (e.g. to hash a TPMT_PUBLIC after reading it).</summary>
    public readonly ReadOnlySpan<byte> Consumed => _data[.._position];

    public byte ReadByte() => Take(1, "UINT8")[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2, "UINT16"));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4, "UINT32"));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8, "UINT64"));

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count, string what = "bytes")
    {
        if (count < 0)
        {
            throw new TpmFormatException($"negative length for {what}");
        }

        return Take(count, what);
    }

    /// <summary>Reads a TPM2B: a UINT16 size followed by that many bytes.</summary>
    public ReadOnlySpan<byte> ReadSized(string what = "TPM2B")
    {
        var size = ReadUInt16();
        return Take(size, what);
    }

    /// <summary>Reads a TPM2B whose declared size must not exceed <paramref name="maxSize"/>.</summary>
    public ReadOnlySpan<byte> ReadSized(int maxSize, string what)
    {
        var size = ReadUInt16();
        if (size > maxSize)
        {
            throw new TpmFormatException($"{what} declares {size} bytes, more than the {maxSize} allowed");
        }

        return Take(size, what);
    }

    /// <summary>Fails unless every byte was consumed (structures must not carry trailing garbage).</summary>
    public readonly void ExpectEnd(string what)
    {
        if (!IsAtEnd)
        {
            throw new TpmFormatException($"{Remaining} unexpected trailing bytes after {what}");
        }
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > _data.Length - _position)
        {
            throw new TpmFormatException(
                $"truncated {what}: needs {count} bytes at offset {_position}, {_data.Length - _position} left");
        }

        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
