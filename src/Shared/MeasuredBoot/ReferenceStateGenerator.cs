using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>Either the reference-state JSON or why it could not be generated.</summary>
public sealed record ReferenceStateResult(string? Json, string? Error)
{
    public bool Succeeded => Json is not null;
}

/// <summary>
/// Builds an <c>example</c>-policy reference state from a good boot's log, as
/// <c>keylime-policy create measured-boot</c> does (spec §3.7). All digests are the sha256 bank.
/// </summary>
public static class ReferenceStateGenerator
{
    private static readonly Regex FirmwareApplication = new(
        @"^FvVol\(\w{8}-\w{4}-\w{4}-\w{4}-\w{12}\)/FvFile\(\w{8}-\w{4}-\w{4}-\w{4}-\w{12}\)", RegexOptions.CultureInvariant);

    private static readonly string[] KeyVariables = ["pk", "kek", "db", "dbx"];

    public static ReferenceStateResult FromLog(EventLog log, bool withoutSecureBoot = false)
    {
        if (!log.DigestSizes.ContainsKey(TcgAlgorithms.Sha256))
        {
            return new ReferenceStateResult(null, "the log has no sha256 bank; reference states are sha256");
        }

        try
        {
            return Generate(log, withoutSecureBoot);
        }
        catch (EventLogFormatException e)
        {
            return new ReferenceStateResult(null, "cannot decode the log: " + e.Message);
        }
    }

    private static ReferenceStateResult Generate(EventLog log, bool withoutSecureBoot)
    {
        var variables = log.Events.Where(e => e.EventType == TcgEventTypes.EfiVariableDriverConfig)
            .Select(e => UefiEventData.Variable(e)).ToList();
        var secureBoot = variables.FirstOrDefault(v => v.UnicodeName == "SecureBoot")?.Enabled == "Yes";
        if (!secureBoot && !withoutSecureBoot)
        {
            return new ReferenceStateResult(null, "the log has Secure Boot disabled; generate with withoutSecureBoot to accept that");
        }

        var kernel = Kernel(log, secureBoot, out var kernelError);
        if (kernel is null)
        {
            return new ReferenceStateResult(null, kernelError);
        }

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteBoolean("has_secureboot", secureBoot);
            WriteScrtmAndBios(w, log);
            foreach (var name in KeyVariables)
            {
                var last = variables.LastOrDefault(v => v.UnicodeName.Equals(name, StringComparison.OrdinalIgnoreCase));
                WriteKeys(w, name, last is null ? [] : UefiEventData.SignatureLists(last.VariableData.Span).SelectMany(l => l.Keys));
            }

            WriteKeys(w, "vendor_db", VendorDb(log, variables));
            WriteDigests(w, "mokdig", log.Events.Where(e => e.EventType == TcgEventTypes.Ipl && UefiEventData.String(e) == "MokList"));
            WriteDigests(w, "mokxdig", log.Events.Where(e => e.EventType == TcgEventTypes.Ipl && UefiEventData.String(e) == "MokListX"));
            w.WriteStartArray("kernels");
            w.WriteStartObject();
            foreach (var (key, value) in kernel)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return new ReferenceStateResult(Encoding.UTF8.GetString(stream.ToArray()), null);
    }

    /// <summary>
    /// shim, grub (and kernel with Secure Boot) from the boot applications, firmware apps excluded.
    /// [quirk] Keylime logs an error and silently omits <c>kernels</c> when the count is off; we
    /// refuse to generate, since a refstate without kernels can never pass the example policy.
    /// </summary>
    private static List<(string, string)>? Kernel(EventLog log, bool secureBoot, out string? error)
    {
        var apps = log.Events.Where(e => e.EventType == TcgEventTypes.EfiBootServicesApplication)
            .Where(e => !FirmwareApplication.IsMatch(UefiEventData.ImageLoad(e).DevicePath))
            .Select(Hex).ToList();
        if (secureBoot ? apps.Count is not (3 or 4) : apps.Count != 2)
        {
            error = $"expected {(secureBoot ? "3 (shim, grub, kernel)" : "2 (shim, grub)")} boot applications, the log has {apps.Count}";
            return null;
        }

        var kernel = new List<(string, string)> { ("shim_authcode_sha256", apps[0]), ("grub_authcode_sha256", apps[1]) };
        if (secureBoot)
        {
            kernel.Add(("kernel_authcode_sha256", apps[2]));
        }

        var pcr9 = log.Events.Where(e => e.EventType == TcgEventTypes.Ipl && e.PcrIndex == 9).ToList();
        if (pcr9.FirstOrDefault(e => UefiEventData.String(e) is var s && (s.Contains("initrd", StringComparison.Ordinal) || s.Contains("initramfs", StringComparison.Ordinal))) is { } initrd)
        {
            kernel.Add(("initrd_plain_sha256", Hex(initrd)));
        }

        if (!secureBoot && pcr9.FirstOrDefault(e => UefiEventData.String(e).Contains("vmlinuz", StringComparison.Ordinal)) is { } vmlinuz)
        {
            kernel.Add(("vmlinuz_plain_sha256", Hex(vmlinuz)));
        }

        const string prefix = "kernel_cmdline: ";
        var cmdline = log.Events.Where(e => e.EventType == TcgEventTypes.Ipl && e.PcrIndex == 8)
            .Select(UefiEventData.String).FirstOrDefault(s => s.Contains("kernel_cmdline", StringComparison.Ordinal));
        if (cmdline is not null)
        {
            kernel.Add(("kernel_cmdline", PythonReEscape(cmdline.Length > prefix.Length ? cmdline[prefix.Length..] : "")));
        }

        error = null;
        return kernel;
    }

    /// <summary>vendor_db keys from the variable (if measured) and from the authority events that used it.</summary>
    private static IEnumerable<UefiSignature> VendorDb(EventLog log, List<UefiVariable> variables)
    {
        var fromVariable = variables.Where(v => v.UnicodeName == "vendor_db")
            .SelectMany(v => UefiEventData.SignatureLists(v.VariableData.Span).SelectMany(l => l.Keys));
        var fromAuthority = log.Events.Where(e => e.EventType == TcgEventTypes.EfiVariableAuthority)
            .Select(e => UefiEventData.Variable(e)).Where(v => v.UnicodeName == "vendor_db")
            .Select(v => UefiEventData.SignatureData(v.VariableData.Span));
        return fromVariable.Concat(fromAuthority).Distinct();
    }

    private static void WriteScrtmAndBios(Utf8JsonWriter w, EventLog log)
    {
        w.WriteStartArray("scrtm_and_bios");
        w.WriteStartObject();
        if (log.Events.FirstOrDefault(e => e.EventType == TcgEventTypes.SCrtmVersion) is { } scrtm)
        {
            w.WritePropertyName("scrtm");
            WriteDigest(w, scrtm);
        }

        WriteDigests(w, "platform_firmware", log.Events.Where(e =>
            e.EventType is TcgEventTypes.EfiPlatformFirmwareBlob or TcgEventTypes.EfiPlatformFirmwareBlob2));
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void WriteDigests(Utf8JsonWriter w, string name, IEnumerable<TcgEvent> events)
    {
        w.WriteStartArray(name);
        foreach (var e in events)
        {
            WriteDigest(w, e);
        }

        w.WriteEndArray();
    }

    private static void WriteDigest(Utf8JsonWriter w, TcgEvent e)
    {
        w.WriteStartObject();
        w.WriteString("sha256", Hex(e));
        w.WriteEndObject();
    }

    private static void WriteKeys(Utf8JsonWriter w, string name, IEnumerable<UefiSignature> keys)
    {
        w.WriteStartArray(name);
        foreach (var key in keys)
        {
            w.WriteStartObject();
            w.WriteString("SignatureOwner", key.SignatureOwner.ToString());
            w.WriteString("SignatureData", "0x" + key.SignatureDataHex);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static string Hex(TcgEvent e) =>
        "0x" + (e.Sha256Hex ?? throw new EventLogFormatException($"event {e.Number} has no sha256 digest"));

    /// <summary>Python 3.7+ <c>re.escape</c>: a backslash before each regex-special character.</summary>
    internal static string PythonReEscape(string text)
    {
        const string special = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
        var sb = new StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (special.Contains(c, StringComparison.Ordinal))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
