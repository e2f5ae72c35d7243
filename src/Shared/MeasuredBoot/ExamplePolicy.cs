using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>
/// Keylime's <c>example</c> policy (spec §3.5): every event is dispatched on (PCR, type) and
/// checked; S-CRTM/firmware, boot applications, initrd, kernel and command line are collected and
/// compared with one of the reference state's <c>scrtm_and_bios</c> and <c>kernels</c> entries at the end.
/// Brittleness is kept on purpose [quirk]: any (PCR, type) it does not list fails, including a
/// StartupLocality EV_NO_ACTION (the Spec ID header already used the single allowed one).
/// </summary>
internal sealed class ExamplePolicy : MeasuredBootPolicy
{
    public override string Name => "example";

    public override IReadOnlySet<int> RelevantPcrs { get; } = new HashSet<int> { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14 };

    public override string? Evaluate(JsonElement refstate, EventLog log)
    {
        ExampleRefState state;
        try
        {
            state = ExampleRefState.Parse(refstate);
        }
        catch (FormatException e)
        {
            return "invalid reference state: " + e.Message;
        }

        var run = new ExamplePolicyRun(state);
        foreach (var e in log.Events)
        {
            string? reason;
            try
            {
                reason = run.Check(e);
            }
            catch (EventLogFormatException ex)
            {
                reason = "cannot be decoded: " + ex.Message;
            }

            if (reason is not null)
            {
                return $"event {e.Number} (PCR {e.PcrIndex}, {e.TypeName}) {reason}";
            }
        }

        return run.Final();
    }

    /// <summary>H(bytes) in every bank the event carries, for the EV_SEPARATOR and EV_EFI_ACTION digest checks.</summary>
    internal static bool DigestsAreHashOf(TcgEvent e, ReadOnlySpan<byte> data)
    {
        foreach (var d in e.Digests)
        {
            if (EventLogReplay.HashFor(d.AlgorithmId) is { } hash)
            {
                var expected = hash.Name.Name switch
                {
                    "SHA1" => SHA1HashData(data),
                    "SHA256" => SHA256.HashData(data),
                    "SHA384" => SHA384.HashData(data),
                    _ => SHA512.HashData(data),
                };
                if (expected.AsSpan().SequenceEqual(d.Digest))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // SHA-1 banks are part of the TCG log format, not a choice of ours.
#pragma warning disable CA5350
    private static byte[] SHA1HashData(ReadOnlySpan<byte> data) => SHA1.HashData(data);
#pragma warning restore CA5350

    internal static Regex FullMatch(string pattern, bool dotAll = false) =>
        new($"^(?:{pattern})\\z", RegexOptions.CultureInvariant | (dotAll ? RegexOptions.Singleline : RegexOptions.None), TimeSpan.FromSeconds(1));

    internal static readonly Encoding Ascii = Encoding.ASCII;
}
