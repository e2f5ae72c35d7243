using System.Buffers;
using System.Buffers.Binary;

namespace Keylime.Shared.Tpm;

/// <summary>
/// Big-endian writer producing TPM 2.0 marshalled bytes. Grows as needed; <see cref="ToArray"/>
/// returns the written bytes. TPM2B sizes can be back-patched with <see cref="BeginSized"/> /
/// <see cref="EndSized"/> for nested structures whose length is only known after writing them.
/// </summary>
public sealed class TpmWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public TpmWriter(int initialCapacity = 256)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
    }

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public TpmWriter WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    public TpmWriter WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
        return this;
    }

    public TpmWriter WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public TpmWriter WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public TpmWriter WriteBytes(ReadOnlySpan<byte> value)
    {
        _buffer.Write(value);
        return this;
    }

    /// <summary>Writes a TPM2B: UINT16 size then the bytes.</summary>
    public TpmWriter WriteSized(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "a TPM2B holds at most 65535 bytes");
        }

        WriteUInt16((ushort)value.Length);
        return WriteBytes(value);
    }

    /// <summary>Reserves a UINT16 size; call <see cref="EndSized"/> with the returned mark when the content is written.</summary>
    public int BeginSized()
    {
        var mark = _buffer.WrittenCount;
        WriteUInt16(0);
        return mark;
    }

    /// <summary>Back-patches the size reserved at <paramref name="mark"/>.</summary>
    public void EndSized(int mark)
    {
        var size = _buffer.WrittenCount - mark - 2;
        if (size > ushort.MaxValue)
        {
            throw new InvalidOperationException("a TPM2B holds at most 65535 bytes");
        }

        var written = System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span;
        BinaryPrimitives.WriteUInt16BigEndian(written.Slice(mark, 2), (ushort)size);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
