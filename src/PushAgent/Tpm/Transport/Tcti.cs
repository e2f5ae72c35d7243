using System.Globalization;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// Chooses the TPM transport from a tpm2-tss style TCTI string, as rust-keylime does with
/// <c>$TCTI</c>: <c>device:/dev/tpmrm0</c>, <c>swtpm:host=127.0.0.1,port=2321</c>; with no TCTI,
/// <c>/dev/tpmrm0</c> if present, else <c>/dev/tpm0</c>.
/// </summary>
public static class Tcti
{
    public const string DefaultDevice = "/dev/tpmrm0";
    public const string RawDevice = "/dev/tpm0";
    public const int DefaultSwtpmPort = 2321;

    public static ITpmTransport Open(string? tcti)
    {
        if (string.IsNullOrWhiteSpace(tcti))
        {
            return new DeviceTransport(File.Exists(DefaultDevice) || !File.Exists(RawDevice) ? DefaultDevice : RawDevice);
        }

        var colon = tcti.IndexOf(':', StringComparison.Ordinal);
        var kind = (colon < 0 ? tcti : tcti[..colon]).Trim().ToLowerInvariant();
        var config = colon < 0 ? "" : tcti[(colon + 1)..].Trim();
        return kind switch
        {
            "device" => new DeviceTransport(config.Length == 0 ? DefaultDevice : ParseDevicePath(config)),
            "swtpm" => OpenSwtpm(config),
            // mssim would need POWER_ON/NV_ON on a platform port, which swtpm rejects (spec/tpm.md §9.3).
            _ => throw new ArgumentException(
                $"unsupported TCTI '{tcti}': use device:/dev/tpmrm0 or swtpm:host=HOST,port=PORT", nameof(tcti)),
        };
    }

    private static string ParseDevicePath(string config)
    {
        // tpm2-tss accepts both "device:/dev/tpm0" and "device:path=/dev/tpm0".
        return config.StartsWith("path=", StringComparison.OrdinalIgnoreCase) ? config[5..] : config;
    }

    private static SwtpmTransport OpenSwtpm(string config)
    {
        var host = "localhost";
        var port = DefaultSwtpmPort;
        foreach (var part in config.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            switch (key.ToLowerInvariant())
            {
                case "host":
                    host = value;
                    break;
                case "port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536:
                    port = p;
                    break;
                default:
                    throw new ArgumentException($"bad swtpm TCTI option '{part}'", nameof(config));
            }
        }

        return new SwtpmTransport(host, port);
    }
}
