using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>TPM_CC command codes (spec/tpm.md §7).</summary>
public static class Tpm2Cc
{
    public const uint EvictControl = 0x120;
    public const uint CreatePrimary = 0x131;
    public const uint PcrReset = 0x13D;
    public const uint Startup = 0x144;
    public const uint Shutdown = 0x145;
    public const uint ActivateCredential = 0x147;
    public const uint Certify = 0x148;
    public const uint NvRead = 0x14E;
    public const uint PolicySecret = 0x151;
    public const uint Create = 0x153;
    public const uint Load = 0x157;
    public const uint Quote = 0x158;
    public const uint ContextLoad = 0x161;
    public const uint ContextSave = 0x162;
    public const uint FlushContext = 0x165;
    public const uint NvReadPublic = 0x169;
    public const uint PolicyOr = 0x171;
    public const uint ReadPublic = 0x173;
    public const uint StartAuthSession = 0x176;
    public const uint GetCapability = 0x17A;
    public const uint GetRandom = 0x17B;
    public const uint PcrRead = 0x17E;
    public const uint PcrExtend = 0x182;
    public const uint PolicyGetDigest = 0x189;

    private static readonly Dictionary<uint, string> Names = new()
    {
        [EvictControl] = "EvictControl", [CreatePrimary] = "CreatePrimary", [PcrReset] = "PCR_Reset",
        [Startup] = "Startup", [Shutdown] = "Shutdown", [ActivateCredential] = "ActivateCredential",
        [Certify] = "Certify", [NvRead] = "NV_Read", [PolicySecret] = "PolicySecret", [Create] = "Create",
        [Load] = "Load", [Quote] = "Quote", [ContextLoad] = "ContextLoad", [ContextSave] = "ContextSave",
        [FlushContext] = "FlushContext", [NvReadPublic] = "NV_ReadPublic", [PolicyOr] = "PolicyOR",
        [ReadPublic] = "ReadPublic", [StartAuthSession] = "StartAuthSession", [GetCapability] = "GetCapability",
        [GetRandom] = "GetRandom", [PcrRead] = "PCR_Read", [PcrExtend] = "PCR_Extend",
        [PolicyGetDigest] = "PolicyGetDigest",
    };

    /// <summary>The command's name as the TPM 2.0 spec spells it, or its hex code.</summary>
    public static string Name(uint commandCode) =>
        Names.TryGetValue(commandCode, out var name) ? name : $"0x{commandCode:x3}";
}

/// <summary>Permanent handles, structure tags and other small constants (spec/tpm.md §2.3–2.8).</summary>
public static class Tpm2Handle
{
    public const uint Owner = 0x40000001;
    public const uint Null = 0x40000007;
    public const uint PasswordSession = 0x40000009;
    public const uint Endorsement = 0x4000000B;
    public const uint Platform = 0x4000000C;
}

public static class Tpm2Tag
{
    public const ushort NoSessions = 0x8001;
    public const ushort Sessions = 0x8002;
    public const ushort AttestCertify = 0x8017;
    public const ushort AttestQuote = 0x8018;
    public const uint GeneratedValue = 0xFF544347;
}

public static class Tpm2Cap
{
    public const uint Algs = 0;
    public const uint Handles = 1;
    public const uint Pcrs = 5;
    public const uint TpmProperties = 6;

    public const uint PtManufacturer = 0x105;
    public const uint PtHrTransientMin = 0x10E;
    public const uint PtPcrCount = 0x112;
    public const uint PtNvBufferMax = 0x12C;

    public const uint AlgAsymmetric = 0x1;
    public const uint AlgHash = 0x4;
    public const uint AlgSigning = 0x100;
}
