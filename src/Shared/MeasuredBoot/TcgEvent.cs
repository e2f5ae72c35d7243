namespace Keylime.Shared.MeasuredBoot;

/// <summary>One digest of an event, in the bank named by its TPM_ALG_ID.</summary>
public sealed record TcgDigest(ushort AlgorithmId, byte[] Digest)
{
    public string AlgorithmName => TcgAlgorithms.Name(AlgorithmId);
}

/// <summary>
/// One record of the log: TCG_PCR_EVENT2 (or the legacy TCG_PCR_EVENT for the header and TPM 1.2
/// logs). <see cref="Number"/> counts from 0 = the Spec ID header, like tpm2_eventlog's EventNum - 1.
/// </summary>
public sealed record TcgEvent(int Number, uint PcrIndex, uint EventType, IReadOnlyList<TcgDigest> Digests, ReadOnlyMemory<byte> Data)
{
    public string TypeName => TcgEventTypes.Name(EventType);

    /// <summary>The digest in the given bank, or null.</summary>
    public byte[]? DigestOf(ushort algorithmId)
    {
        foreach (var digest in Digests)
        {
            if (digest.AlgorithmId == algorithmId)
            {
                return digest.Digest;
            }
        }

        return null;
    }

    public string? Sha256Hex => DigestOf(TcgAlgorithms.Sha256) is { } d ? Convert.ToHexStringLower(d) : null;
}

public static class TcgAlgorithms
{
    public const ushort Sha1 = 0x0004;
    public const ushort Sha256 = 0x000B;
    public const ushort Sha384 = 0x000C;
    public const ushort Sha512 = 0x000D;
    public const ushort Sm3 = 0x0012;

    public static string Name(ushort id) => id switch
    {
        Sha1 => "sha1",
        Sha256 => "sha256",
        Sha384 => "sha384",
        Sha512 => "sha512",
        Sm3 => "sm3_256",
        _ => $"0x{id:x4}",
    };
}

/// <summary>Event types of the TCG PC Client Platform Firmware Profile (spec §3.1).</summary>
public static class TcgEventTypes
{
    public const uint PrebootCert = 0x0;
    public const uint PostCode = 0x1;
    public const uint NoAction = 0x3;
    public const uint Separator = 0x4;
    public const uint Action = 0x5;
    public const uint SCrtmContents = 0x7;
    public const uint SCrtmVersion = 0x8;
    public const uint CpuMicrocode = 0x9;
    public const uint PlatformConfigFlags = 0xA;
    public const uint Ipl = 0xD;
    public const uint EfiVariableDriverConfig = 0x80000001;
    public const uint EfiVariableBoot = 0x80000002;
    public const uint EfiBootServicesApplication = 0x80000003;
    public const uint EfiBootServicesDriver = 0x80000004;
    public const uint EfiRuntimeServicesDriver = 0x80000005;
    public const uint EfiGptEvent = 0x80000006;
    public const uint EfiAction = 0x80000007;
    public const uint EfiPlatformFirmwareBlob = 0x80000008;
    public const uint EfiHandoffTables = 0x80000009;
    public const uint EfiPlatformFirmwareBlob2 = 0x8000000A;
    public const uint EfiHandoffTables2 = 0x8000000B;
    public const uint EfiVariableBoot2 = 0x8000000C;
    public const uint EfiHcrtmEvent = 0x80000010;
    public const uint EfiVariableAuthority = 0x800000E0;

    private static readonly Dictionary<uint, string> Names = new()
    {
        [0x0] = "EV_PREBOOT_CERT", [0x1] = "EV_POST_CODE", [0x2] = "EV_UNUSED", [0x3] = "EV_NO_ACTION",
        [0x4] = "EV_SEPARATOR", [0x5] = "EV_ACTION", [0x6] = "EV_EVENT_TAG", [0x7] = "EV_S_CRTM_CONTENTS",
        [0x8] = "EV_S_CRTM_VERSION", [0x9] = "EV_CPU_MICROCODE", [0xA] = "EV_PLATFORM_CONFIG_FLAGS",
        [0xB] = "EV_TABLE_OF_DEVICES", [0xC] = "EV_COMPACT_HASH", [0xD] = "EV_IPL", [0xE] = "EV_IPL_PARTITION_DATA",
        [0xF] = "EV_NONHOST_CODE", [0x10] = "EV_NONHOST_CONFIG", [0x11] = "EV_NONHOST_INFO",
        [0x12] = "EV_OMIT_BOOT_DEVICE_EVENTS",
        [0x80000001] = "EV_EFI_VARIABLE_DRIVER_CONFIG", [0x80000002] = "EV_EFI_VARIABLE_BOOT",
        [0x80000003] = "EV_EFI_BOOT_SERVICES_APPLICATION", [0x80000004] = "EV_EFI_BOOT_SERVICES_DRIVER",
        [0x80000005] = "EV_EFI_RUNTIME_SERVICES_DRIVER", [0x80000006] = "EV_EFI_GPT_EVENT",
        [0x80000007] = "EV_EFI_ACTION", [0x80000008] = "EV_EFI_PLATFORM_FIRMWARE_BLOB",
        [0x80000009] = "EV_EFI_HANDOFF_TABLES", [0x8000000A] = "EV_EFI_PLATFORM_FIRMWARE_BLOB2",
        [0x8000000B] = "EV_EFI_HANDOFF_TABLES2", [0x8000000C] = "EV_EFI_VARIABLE_BOOT2",
        [0x80000010] = "EV_EFI_HCRTM_EVENT", [0x800000E0] = "EV_EFI_VARIABLE_AUTHORITY",
        [0x800000E1] = "EV_EFI_SPDM_FIRMWARE_BLOB",
    };

    /// <summary>The TCG name, or the hex number for vendor/unknown types (which are tolerated and extended).</summary>
    public static string Name(uint type) => Names.TryGetValue(type, out var name) ? name : $"0x{type:x}";
}
