using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// A decoded TPM_RC (spec/tpm.md §8): the base code's name, and for format-1 codes which handle,
/// session or parameter it is about. <c>ToString()</c> reads like
/// <c>TPM_RC_INTEGRITY (parameter 1), 0x1df</c>.
/// </summary>
public readonly record struct TpmResponseCode(uint Value)
{
    private static readonly Dictionary<uint, string> Format0 = new()
    {
        [0x100] = "INITIALIZE", [0x101] = "FAILURE", [0x103] = "SEQUENCE", [0x10B] = "PRIVATE", [0x119] = "HMAC",
        [0x120] = "DISABLED", [0x121] = "EXCLUSIVE", [0x124] = "AUTH_TYPE", [0x125] = "AUTH_MISSING",
        [0x126] = "POLICY", [0x127] = "PCR", [0x128] = "PCR_CHANGED", [0x12D] = "UPGRADE",
        [0x12E] = "TOO_MANY_CONTEXTS", [0x12F] = "AUTH_UNAVAILABLE", [0x130] = "REBOOT", [0x131] = "UNBALANCED",
        [0x142] = "COMMAND_SIZE", [0x143] = "COMMAND_CODE", [0x144] = "AUTHSIZE", [0x145] = "AUTH_CONTEXT",
        [0x146] = "NV_RANGE", [0x147] = "NV_SIZE", [0x148] = "NV_LOCKED", [0x149] = "NV_AUTHORIZATION",
        [0x14A] = "NV_UNINITIALIZED", [0x14B] = "NV_SPACE", [0x14C] = "NV_DEFINED", [0x150] = "BAD_CONTEXT",
        [0x151] = "CPHASH", [0x152] = "PARENT", [0x153] = "NEEDS_TEST", [0x154] = "NO_RESULT", [0x155] = "SENSITIVE",
        [0x01E] = "BAD_TAG (TPM 1.2)",
        [0x901] = "CONTEXT_GAP", [0x902] = "OBJECT_MEMORY", [0x903] = "SESSION_MEMORY", [0x904] = "MEMORY",
        [0x905] = "SESSION_HANDLES", [0x906] = "OBJECT_HANDLES", [0x907] = "LOCALITY", [0x908] = "YIELDED",
        [0x909] = "CANCELED", [0x90A] = "TESTING", [0x920] = "NV_RATE", [0x921] = "LOCKOUT", [0x922] = "RETRY",
        [0x923] = "NV_UNAVAILABLE",
    };

    private static readonly Dictionary<uint, string> Format1 = new()
    {
        [0x081] = "ASYMMETRIC", [0x082] = "ATTRIBUTES", [0x083] = "HASH", [0x084] = "VALUE", [0x085] = "HIERARCHY",
        [0x087] = "KEY_SIZE", [0x088] = "MGF", [0x089] = "MODE", [0x08A] = "TYPE", [0x08B] = "HANDLE", [0x08C] = "KDF",
        [0x08D] = "RANGE", [0x08E] = "AUTH_FAIL", [0x08F] = "NONCE", [0x090] = "PP", [0x092] = "SCHEME",
        [0x095] = "SIZE", [0x096] = "SYMMETRIC", [0x097] = "TAG", [0x098] = "SELECTOR", [0x09A] = "INSUFFICIENT",
        [0x09B] = "SIGNATURE", [0x09C] = "KEY", [0x09D] = "POLICY_FAIL", [0x09F] = "INTEGRITY", [0x0A0] = "TICKET",
        [0x0A1] = "RESERVED_BITS", [0x0A2] = "BAD_AUTH", [0x0A3] = "EXPIRED", [0x0A4] = "POLICY_CC",
        [0x0A5] = "BINDING", [0x0A6] = "CURVE", [0x0A7] = "ECC_POINT",
    };

    public const uint Success = 0;
    public const uint Initialize = 0x100;
    public const uint Retry = 0x922;

    public bool IsFormat1 => (Value & 0x080) != 0;

    /// <summary>The code without its handle/session/parameter number (e.g. 0x09F for 0x1DF).</summary>
    public uint BaseCode => IsFormat1 ? 0x080 + (Value & 0x3F) : Value & 0xFFF;

    /// <summary>Warnings the TPM asks us to simply resend the command for (spec/tpm.md §8).</summary>
    public bool IsTransient => Value is 0x908 or 0x90A or 0x922 or 0x923;

    public string Name
    {
        get
        {
            var table = IsFormat1 ? Format1 : Format0;
            var name = table.TryGetValue(BaseCode, out var n) ? n : IsVendor ? "VENDOR" : "UNKNOWN";
            return "TPM_RC_" + name;
        }
    }

    /// <summary>"parameter 1", "handle 2", "session 1" or "" when the code is not about one of them.</summary>
    public string Subject
    {
        get
        {
            if (!IsFormat1)
            {
                return "";
            }

            if ((Value & 0x040) != 0)
            {
                return $"parameter {(Value >> 8) & 0xF}";
            }

            var n = (Value >> 8) & 0x7;
            if (n == 0)
            {
                return "";
            }

            return (Value & 0x800) != 0 ? $"session {n}" : $"handle {n}";
        }
    }

    private bool IsVendor => !IsFormat1 && (Value & 0x400) != 0;

    public override string ToString()
    {
        var subject = Subject;
        return subject.Length == 0 ? $"{Name}, 0x{Value:x3}" : $"{Name} ({subject}), 0x{Value:x3}";
    }
}
