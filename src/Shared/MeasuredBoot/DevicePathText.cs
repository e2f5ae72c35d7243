using System.Buffers.Binary;
using System.Text;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>
/// Renders an EFI device path in the UEFI text form for the nodes the policies care about (hard
/// drive, file path, firmware volume and file); other nodes render as <c>Path(type,subtype,hex)</c>.
/// A malformed path renders as far as it can be read, so a log never fails parsing because of it.
/// </summary>
internal static class DevicePathText
{
    private const byte Media = 4;
    private const byte End = 0x7F;

    public static string Render(ReadOnlySpan<byte> path)
    {
        var nodes = new List<string>();
        while (path.Length >= 4)
        {
            var type = path[0];
            var subType = path[1];
            var length = BinaryPrimitives.ReadUInt16LittleEndian(path[2..]);
            if (length < 4 || length > path.Length || type == End)
            {
                break;
            }

            nodes.Add(Node(type, subType, path[4..length]));
            path = path[length..];
        }

        return string.Join('/', nodes);
    }

    private static string Node(byte type, byte subType, ReadOnlySpan<byte> data) => (type, subType) switch
    {
        (Media, 1) when data.Length >= 38 => HardDrive(data),
        (Media, 4) => Utf16(data),
        (Media, 6) when data.Length >= 16 => $"FvFile({new Guid(data[..16])})",
        (Media, 7) when data.Length >= 16 => $"FvVol({new Guid(data[..16])})",
        _ => $"Path({type},{subType},{Convert.ToHexStringLower(data)})",
    };

    private static string HardDrive(ReadOnlySpan<byte> data)
    {
        var partition = BinaryPrimitives.ReadUInt32LittleEndian(data);
        var start = BinaryPrimitives.ReadUInt64LittleEndian(data[4..]);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(data[12..]);
        var signatureType = data[37];
        var signature = signatureType == 2 ? new Guid(data[20..36]).ToString() : $"0x{BinaryPrimitives.ReadUInt32LittleEndian(data[20..]):x8}";
        return $"HD({partition},{(signatureType == 2 ? "GPT" : "MBR")},{signature},0x{start:x},0x{size:x})";
    }

    private static string Utf16(ReadOnlySpan<byte> data) => Encoding.Unicode.GetString(TrimUtf16Nul(data));

    private static ReadOnlySpan<byte> TrimUtf16Nul(ReadOnlySpan<byte> data)
    {
        data = data[..(data.Length & ~1)];
        while (data.Length >= 2 && data[^1] == 0 && data[^2] == 0)
        {
            data = data[..^2];
        }

        return data;
    }
}
