using System.Text.Json;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>
/// A named measured-boot policy (Keylime's <c>measured_boot_policy_name</c>): the PCRs it depends
/// on and its verdict on a parsed log against a reference state. Null reason = pass.
/// </summary>
public abstract class MeasuredBootPolicy
{
    public abstract string Name { get; }

    /// <summary>PCRs the policy reads; empty = it declares none (then every boot PCR quoted is compared).</summary>
    public abstract IReadOnlySet<int> RelevantPcrs { get; }

    /// <summary>Returns null when the log satisfies the reference state, else the reason.</summary>
    public abstract string? Evaluate(JsonElement refstate, EventLog log);

    public static readonly MeasuredBootPolicy AcceptAll = new Fixed("accept-all", null);
    public static readonly MeasuredBootPolicy RejectAll = new Fixed("reject-all", "the reject-all policy rejects every boot");
    public static readonly MeasuredBootPolicy Example = new ExamplePolicy();

    /// <summary>The built-in policy of that name, or null (custom Python policies cannot be loaded).</summary>
    public static MeasuredBootPolicy? Named(string name) => name switch
    {
        "accept-all" => AcceptAll,
        "reject-all" => RejectAll,
        "example" => Example,
        _ => null,
    };

    private sealed class Fixed(string name, string? reason) : MeasuredBootPolicy
    {
        public override string Name => name;

        public override IReadOnlySet<int> RelevantPcrs { get; } = new HashSet<int>();

        public override string? Evaluate(JsonElement refstate, EventLog log) => reason;
    }
}
