using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Keylime.Shared.Ima;

/// <summary>
/// Splits a log line into space-separated fields front to back, as repeated "up to the next space"
/// would, but finds the spaces 16 characters at a time and keeps the rest of each window's mask for
/// the following fields: one vector compare per 16 characters instead of a search call per field
/// (a line has 4–5 fields and is parsed for every entry).
/// </summary>
internal ref struct SpaceScanner
{
    private const int Width = 16;

    private readonly ReadOnlySpan<char> _text;

    /// <summary>Start of the next field.</summary>
    private int _fieldStart;

    /// <summary>Start of the window <see cref="_pending"/> describes.</summary>
    private int _window;

    /// <summary>Spaces of the current window not yet consumed, one bit per character.</summary>
    private uint _pending;

    public SpaceScanner(ReadOnlySpan<char> text)
    {
        _text = text;
        _window = -Width;
    }

    /// <summary>Everything after the last field taken.</summary>
    public readonly ReadOnlySpan<char> Rest => _text[_fieldStart..];

    /// <summary>Takes the text up to the next space as a field; false (nothing consumed) when no space is left.</summary>
    public bool TrySplit(out ReadOnlySpan<char> field)
    {
        while (_pending == 0)
        {
            if (_window + Width >= _text.Length)
            {
                field = default;
                return false;
            }

            _window += Width;
            _pending = SpacesAt(_window);
        }

        var space = _window + BitOperations.TrailingZeroCount(_pending);
        _pending &= _pending - 1;
        field = _text[_fieldStart..space];
        _fieldStart = space + 1;
        return true;
    }

    private readonly uint SpacesAt(int start)
    {
        if (Vector256.IsHardwareAccelerated && _text.Length - start >= Width)
        {
            ref var chars = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(_text));
            return Vector256.Equals(Vector256.LoadUnsafe(ref chars, (nuint)start), Vector256.Create((ushort)' ')).ExtractMostSignificantBits();
        }

        var mask = 0u;
        var end = Math.Min(_text.Length, start + Width);
        for (var i = start; i < end; i++)
        {
            mask |= _text[i] == ' ' ? 1u << (i - start) : 0;
        }

        return mask;
    }
}
