using System.Text.RegularExpressions;
using static Keylime.Shared.MeasuredBoot.TcgEventTypes;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>One evaluation of the example policy: per-event checks, "at most once" counters and the collected events.</summary>
internal sealed class ExamplePolicyRun(ExampleRefState state)
{
    private static readonly Dictionary<uint, string[]> EfiActions = new()
    {
        [1] = ["Entering ROM Based Setup"],
        [4] = ["Calling EFI Application from Boot Option", "Returning from EFI Application from Boot Option"],
        [5] = ["Exit Boot Services Invocation", "Exit Boot Services Returned with Failure", "Exit Boot Services Returned with Success"],
    };

    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly List<TcgEvent> _bootApplications = [];
    private readonly List<TcgEvent> _initrds = [];
    private readonly List<TcgEvent> _vmlinuz = [];
    private readonly List<string> _cmdlines = [];
    private readonly List<TcgEvent> _scrtms = [];
    private readonly List<TcgEvent> _firmwareBlobs = [];

    /// <summary>Null when the event is acceptable, else why not.</summary>
    public string? Check(TcgEvent e) => (e.PcrIndex, e.EventType) switch
    {
        (0, NoAction) => Once("0/no-action"),
        (1, CpuMicrocode) or (1, EfiHandoffTables) or (1, EfiHandoffTables2) or (5, EfiGptEvent) => Once($"{e.PcrIndex}/{e.EventType}"),
        (1, PlatformConfigFlags) => Once("1/config-flags", 4),
        (2, EfiBootServicesDriver) => null,
        (1, EfiVariableBoot) => BootOrderVariable(e),
        ( <= 7, Separator) => SeparatorEvent(e),
        (1 or 4 or 5, EfiAction) => EfiActionEvent(e),
        (7, EfiVariableDriverConfig) => new ExampleVariableChecks(state, Once).DriverConfig(UefiEventData.Variable(e)),
        (7, EfiVariableAuthority) => new ExampleVariableChecks(state, Once).Authority(UefiEventData.Variable(e)),
        (4, EfiBootServicesApplication) => Collect(_bootApplications, e),
        (14, Ipl) => MokEvent(e),
        (9, Ipl) => Pcr9Ipl(e),
        (8, Ipl) => Pcr8Ipl(e),
        (0, SCrtmVersion) => Collect(_scrtms, e),
        (0, EfiPlatformFirmwareBlob) or (0, EfiPlatformFirmwareBlob2) => Collect(_firmwareBlobs, e),
        _ => $"has unexpected ('PCRIndex', 'EventType') combination ({e.PcrIndex}, '{e.TypeName}')",
    };

    private string? Once(string key) => Once(key, 1);

    private string? Once(string key, int times)
    {
        _seen[key] = _seen.GetValueOrDefault(key) + 1;
        return _seen[key] > times ? "test was already run once" : null;
    }

    private static string? Collect<T>(List<T> into, T item)
    {
        into.Add(item);
        return null;
    }

    private static string? BootOrderVariable(TcgEvent e)
    {
        var v = UefiEventData.Variable(e);
        return v.VariableName == UefiEventData.EfiGlobalVariable && ExamplePatterns.IsBootVariable(v.UnicodeName)
            ? null
            : $"is not the BootOrder/Boot#### global variable ({v.VariableName}, {v.UnicodeName})";
    }

    private static string? SeparatorEvent(TcgEvent e)
    {
        var data = e.Data.Span;
        var valid = data.Length == 4 && (!data.ContainsAnyExcept((byte)0) || !data.ContainsAnyExcept((byte)0xFF));
        return valid && ExamplePolicy.DigestsAreHashOf(e, data) ? null : "is not a valid separator (00000000 or FFFFFFFF with matching digest)";
    }

    private static string? EfiActionEvent(TcgEvent e)
    {
        var text = UefiEventData.String(e);
        return EfiActions[e.PcrIndex].Contains(text) && ExamplePolicy.DigestsAreHashOf(e, ExamplePolicy.Ascii.GetBytes(text))
            ? null
            : $"EV_EFI_ACTION '{text}' is not expected on PCR {e.PcrIndex} or its digest is wrong";
    }

    private string? MokEvent(TcgEvent e) => UefiEventData.String(e) switch
    {
        "MokList" => state.MokDig.Any(d => d.Matches(e)) ? null : "MokList digest is not in mokdig",
        "MokListX" => state.MokxDig.Any(d => d.Matches(e)) ? null : "MokListX digest is not in mokxdig",
        "MokListTrusted" => Once("14/MokListTrusted"),
        var other => $"PCR 14 EV_IPL '{other}' is not MokList, MokListX or MokListTrusted",
    };

    private string? Pcr9Ipl(TcgEvent e)
    {
        var text = UefiEventData.String(e);
        return ExamplePatterns.IsLoaderEntry(text) || ExamplePatterns.IsGrubFile(text) ? null
            : ExamplePatterns.IsVmlinuz(text) ? Collect(_vmlinuz, e)
            : ExamplePatterns.IsInitrd(text) ? Collect(_initrds, e)
            : $"PCR 9 EV_IPL '{text}' is neither a loader entry, grub file, kernel nor initrd";
    }

    private string? Pcr8Ipl(TcgEvent e)
    {
        var text = UefiEventData.String(e);
        return ExamplePatterns.IsGrubCommand(text) ? null
            : ExamplePatterns.IsKernelCommandLine(text) ? Collect(_cmdlines, text)
            : $"PCR 8 EV_IPL '{text}' is neither grub_cmd nor kernel_cmdline";
    }

    /// <summary>The collected events must fit one kernels entry and one scrtm_and_bios entry.</summary>
    public string? Final()
    {
        var kernelReasons = state.Kernels.Select(KernelMismatch).ToList();
        if (!kernelReasons.Contains(null))
        {
            return kernelReasons.Count == 0
                ? "refstate lists no kernels"
                : "boot chain matches no kernels entry: [" + string.Join("; ", kernelReasons) + "]";
        }

        var biosReasons = state.ScrtmAndBios.Select(BiosMismatch).ToList();
        return biosReasons.Contains(null)
            ? null
            : "firmware matches no scrtm_and_bios entry: [" + string.Join("; ", biosReasons) + "]";
    }

    private string? KernelMismatch(RefKernel k)
    {
        string[] sequence = state.HasSecureBoot ? [k.Shim, k.Grub, k.Kernel!] : [k.Shim, k.Grub];
        var apps = _bootApplications.Select(a => a.Sha256Hex).ToList();
        var appsMatch = apps.SequenceEqual(sequence) || (state.HasSecureBoot && apps.SequenceEqual([.. sequence, k.Kernel!]));
        if (!appsMatch)
        {
            return $"boot applications [{string.Join(", ", apps)}] are not [shim, grub{(state.HasSecureBoot ? ", kernel" : "")}] of the entry";
        }

        if (_initrds.Count != 1 || _initrds[0].Sha256Hex != k.Initrd)
        {
            return $"expected exactly one initrd event with sha256 {k.Initrd}, got {_initrds.Count}";
        }

        if (_vmlinuz.Count != 1 || (!state.HasSecureBoot && _vmlinuz[0].Sha256Hex != k.Vmlinuz))
        {
            return $"expected exactly one vmlinuz event{(state.HasSecureBoot ? "" : " with sha256 " + k.Vmlinuz)}, got {_vmlinuz.Count}";
        }

        if (_cmdlines.Count != 1 || !CommandLineMatches(k.KernelCmdline, _cmdlines[0]))
        {
            return $"expected exactly one kernel_cmdline matching the reference, got [{string.Join(" | ", _cmdlines)}]";
        }

        return null;
    }

    /// <summary>
    /// Full match of "kernel_cmdline: " + the reference regex. The static Regex API caches the
    /// parsed pattern, so repeated evaluations of one reference state do not re-parse it; a
    /// reference regex that does not compile simply does not match.
    /// </summary>
    private static bool CommandLineMatches(string referenceRegex, string cmdline)
    {
        try
        {
            return Regex.IsMatch(cmdline, $"^(?:kernel_cmdline: {Ima.PythonRegex.Translate(referenceRegex)})\\z",
                RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (Exception e) when (e is ArgumentException or RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private string? BiosMismatch(RefScrtmAndBios b)
    {
        if (_scrtms.Count != 1 || !b.Scrtm.Matches(_scrtms[0]))
        {
            return $"expected exactly one S-CRTM version event with {b.Scrtm}, got {_scrtms.Count}";
        }

        return _firmwareBlobs.Count == b.PlatformFirmware.Count && _firmwareBlobs.Zip(b.PlatformFirmware).All(p => p.Second.Matches(p.First))
            ? null
            : $"firmware blobs ({_firmwareBlobs.Count}) differ from the {b.PlatformFirmware.Count} listed";
    }
}
