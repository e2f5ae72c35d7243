using System.Text;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>UEFI_VARIABLE_DATA of EV_EFI_VARIABLE_* events: vendor GUID, name, data.</summary>
public sealed record UefiVariable(Guid VariableName, string UnicodeName, ReadOnlyMemory<byte> VariableData)
{
    /// <summary>Keylime's rendering of a one-byte boolean (<c>SecureBoot</c>, <c>MokListTrusted</c>).</summary>
    public string Enabled => VariableData.Length >= 1 && VariableData.Span[0] != 0 ? "Yes" : "No";
}

/// <summary>One EFI_SIGNATURE_DATA: owner GUID and the certificate or hash bytes.</summary>
public sealed record UefiSignature(Guid SignatureOwner, string SignatureDataHex);

/// <summary>One EFI_SIGNATURE_LIST: its type GUID and the signatures it holds.</summary>
public sealed record UefiSignatureList(Guid SignatureType, IReadOnlyList<UefiSignature> Keys);

/// <summary>UEFI_IMAGE_LOAD_EVENT of boot services applications and drivers, with its device path as text.</summary>
public sealed record UefiImageLoad(ulong ImageLocationInMemory, ulong ImageLengthInMemory, string DevicePath);

/// <summary>Decoders for the event data the measured-boot policies read (spec §3.4). All throw <see cref="EventLogFormatException"/>.</summary>
public static class UefiEventData
{
    public static readonly Guid EfiGlobalVariable = new("8be4df61-93ca-11d2-aa0d-00e098032b8c");
    public static readonly Guid ImageSecurityDatabase = new("d719b2cb-3d3a-4596-a3bc-dad00e67656f");
    public static readonly Guid ShimLock = new("605dab50-e046-4300-abb6-3dd810dd8b23");
    public static readonly Guid CertX509 = new("a5c059a1-94e4-4aa7-87b5-ab155c2bf072");
    public static readonly Guid CertSha256 = new("c1c41626-504c-4092-aca9-41f936934328");

    public static UefiVariable Variable(TcgEvent e)
    {
        var reader = new LittleEndianReader(e.Data.Span);
        var guid = reader.ReadGuid("variable GUID");
        var nameLength = reader.ReadUInt64("variable name length");
        var dataLength = reader.ReadUInt64("variable data length");
        if (nameLength > int.MaxValue / 2 || dataLength > int.MaxValue)
        {
            throw new EventLogFormatException($"event {e.Number}: variable lengths out of range");
        }

        var name = Encoding.Unicode.GetString(reader.ReadBytes((long)nameLength * 2, "variable name"));
        var start = reader.Position;
        reader.ReadBytes((long)dataLength, "variable data");
        return new UefiVariable(guid, name, e.Data.Slice(start, (int)dataLength));
    }

    /// <summary>A sequence of EFI_SIGNATURE_LIST (PK, KEK, db, dbx variable contents).</summary>
    public static IReadOnlyList<UefiSignatureList> SignatureLists(ReadOnlySpan<byte> data)
    {
        var lists = new List<UefiSignatureList>();
        var reader = new LittleEndianReader(data);
        while (!reader.IsAtEnd)
        {
            var type = reader.ReadGuid("signature type");
            var listSize = reader.ReadUInt32("signature list size");
            var headerSize = reader.ReadUInt32("signature header size");
            var signatureSize = reader.ReadUInt32("signature size");
            const uint fixedPart = 28;
            if (listSize < fixedPart + headerSize || signatureSize < 16 || (listSize - fixedPart - headerSize) % signatureSize != 0)
            {
                throw new EventLogFormatException("inconsistent EFI_SIGNATURE_LIST sizes");
            }

            reader.ReadBytes(headerSize, "signature header");
            var keys = new List<UefiSignature>();
            for (var left = listSize - fixedPart - headerSize; left > 0; left -= signatureSize)
            {
                var owner = reader.ReadGuid("signature owner");
                keys.Add(new UefiSignature(owner, Convert.ToHexStringLower(reader.ReadBytes(signatureSize - 16, "signature data"))));
            }

            lists.Add(new UefiSignatureList(type, keys));
        }

        return lists;
    }

    /// <summary>One EFI_SIGNATURE_DATA (what EV_EFI_VARIABLE_AUTHORITY for <c>db</c> carries).</summary>
    public static UefiSignature SignatureData(ReadOnlySpan<byte> data)
    {
        var reader = new LittleEndianReader(data);
        var owner = reader.ReadGuid("signature owner");
        return new UefiSignature(owner, Convert.ToHexStringLower(reader.ReadBytes(reader.Remaining, "signature data")));
    }

    public static UefiImageLoad ImageLoad(TcgEvent e)
    {
        var reader = new LittleEndianReader(e.Data.Span);
        var location = reader.ReadUInt64("image location");
        var length = reader.ReadUInt64("image length");
        reader.ReadUInt64("image link time address");
        var pathLength = reader.ReadUInt64("device path length");
        var path = reader.ReadBytes((long)Math.Min(pathLength, int.MaxValue), "device path");
        return new UefiImageLoad(location, length, DevicePathText.Render(path));
    }

    /// <summary>EV_IPL / EV_EFI_ACTION text without one trailing NUL.</summary>
    public static string String(TcgEvent e) => EventLog.Text(e.Data.Span);
}
