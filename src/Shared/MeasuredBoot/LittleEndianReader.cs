using System.Buffers.Binary;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>
/// Bounds-checked little-endian reader for the TCG PC Client event log and UEFI structures (the
/// TPM's own structures are big-endian and use <c>TpmReader</c>). Every failure is an
/// <see cref="EventLogFormatException"/>; sized fields are slices of the input, never copies.
/// </summary>
public ref struct LittleEndianReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public LittleEndianReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool IsAtEnd => _position == _data.Length;

    public byte ReadByte(string what) => Take(1, what)[0];

    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));

    public uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

    public ulong ReadUInt64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

    public ReadOnlySpan<byte> ReadBytes(long count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new EventLogFormatException(
                $"truncated {what}: needs {count} bytes at offset {_position}, {Remaining} left");
        }

        return Take((int)count, what);
    }

    /// <summary>An EFI GUID (u32, u16, u16 little-endian, then 8 bytes), the layout <see cref="Guid(ReadOnlySpan{byte})"/> reads.</summary>
    public Guid ReadGuid(string what) => new(Take(16, what));

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > _data.Length - _position)
        {
            throw new EventLogFormatException(
                $"truncated {what}: needs {count} bytes at offset {_position}, {_data.Length - _position} left");
        }

        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}

/// <summary>The one error the event-log parsers raise for malformed bytes; the message says what and where.</summary>
public sealed class EventLogFormatException : Exception
{
    public EventLogFormatException(string message) : base(message)
    {
    }

    public EventLogFormatException(string message, Exception inner) : base(message, inner)
    {
    }

    public EventLogFormatException()
    {
    }
}
