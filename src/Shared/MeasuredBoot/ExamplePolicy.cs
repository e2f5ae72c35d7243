using System.Text;
using System.Text.Json;
using Keylime.Shared.Ima;

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
        Span<byte> expected = stackalloc byte[64];
        foreach (var d in e.Digests)
        {
            if (ImaHashAlgorithms.TryFromTpmAlgorithmId(d.AlgorithmId, out var algorithm))
            {
                using var hasher = ImaDigester.Create(algorithm);
                var computed = expected[..hasher.Size];
                hasher.Hash(data, computed);
                if (computed.SequenceEqual(d.Digest))
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal static readonly Encoding Ascii = Encoding.ASCII;
}
