using System.Buffers.Binary;
using System.Text;

namespace Keylime.Shared.Ima;

/// <summary>
/// Rebuilds the template data the kernel hashed for an entry (spec §1.3; integers little-endian).
/// The template hash column is H_log of these bytes and the PCR 10 contribution is H_bank of them.
/// </summary>
public static class ImaTemplateData
{
    /// <summary>The legacy <c>ima</c> template's name field is fixed at 256 bytes (name + NUL + zero fill).</summary>
    private const int LegacyNameField = 256;

    /// <summary>An upper bound of the template data size, to size the buffer before <see cref="TryBuild"/>.</summary>
    public static int MaxSize(in ImaEntry entry) =>
        entry.Template == ImaTemplate.Ima
            ? (entry.DigestHex.Length / 2) + LegacyNameField
            : 4 + entry.DigestAlgorithm.Length + 2 + (entry.DigestHex.Length / 2)
              + 4 + Encoding.UTF8.GetMaxByteCount(entry.Name.Length) + 1
              + 4 + (entry.ExtraHex.Length / 2);

    /// <summary>
    /// Writes the template data into <paramref name="destination"/> (at least <see cref="MaxSize"/>
    /// bytes). False when the entry cannot be represented (a legacy name over 255 bytes).
    /// </summary>
    public static bool TryBuild(in ImaEntry entry, Span<byte> destination, out int written)
    {
        written = 0;
        if (entry.Template == ImaTemplate.Ima)
        {
            written += DecodeHex(entry.DigestHex, destination);
            var nameField = destination.Slice(written, LegacyNameField);
            nameField.Clear();
            if (!Encoding.UTF8.TryGetBytes(entry.Name, nameField[..(LegacyNameField - 1)], out _))
            {
                return false;
            }

            written += LegacyNameField;
            return true;
        }

        // d-ng: u32 length, "<alg>" ':' NUL, raw digest.
        var digestLength = entry.DigestHex.Length / 2;
        var algLength = entry.DigestAlgorithm.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(algLength + 2 + digestLength));
        written = 4;
        written += Encoding.ASCII.GetBytes(entry.DigestAlgorithm, destination[written..]);
        destination[written++] = (byte)':';
        destination[written++] = 0;
        written += DecodeHex(entry.DigestHex, destination[written..]);

        // n-ng: u32 length (UTF-8 bytes + NUL), name, NUL.
        var nameLength = Encoding.UTF8.GetBytes(entry.Name, destination[(written + 4)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[written..], (uint)(nameLength + 1));
        written += 4 + nameLength;
        destination[written++] = 0;

        if (entry.Template is ImaTemplate.ImaSig or ImaTemplate.ImaBuf)
        {
            // sig / buf: u32 length then raw bytes (length 0 for an unsigned ima-sig entry).
            var extraLength = entry.ExtraHex.Length / 2;
            BinaryPrimitives.WriteUInt32LittleEndian(destination[written..], (uint)extraLength);
            written += 4;
            written += DecodeHex(entry.ExtraHex, destination[written..]);
        }

        return true;
    }

    /// <summary>Decodes hex already checked by the parser; returns the byte count.</summary>
    internal static int DecodeHex(ReadOnlySpan<char> hex, Span<byte> destination) => ImaHex.Decode(hex, destination);
}
