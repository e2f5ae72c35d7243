namespace Keylime.Verifier.Data;

/// <summary>A stored runtime (IMA) policy (Keylime's <c>allowlists</c> row, spec/verifier.md §5.1).</summary>
public sealed class RuntimePolicy
{
    public const int NameMaxLength = 255;

    public int Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The policy JSON text as uploaded (possibly a DSSE envelope); null for Keylime's "{}".</summary>
    public string? ImaPolicy { get; set; }

    /// <summary><c>meta.generator</c>: 0 unknown, 1 the built-in empty policy (IMA not checked), &gt; 1 a real policy.</summary>
    public int Generator { get; set; }

    /// <summary>SHA-256 hex of the submitted policy bytes.</summary>
    public string Checksum { get; set; } = "";

    public string? TpmPolicy { get; set; }

    public const int EmptyPolicyGenerator = 1;
}

/// <summary>A stored measured-boot reference state (Keylime's <c>mbpolicies</c> row, spec/verifier.md §5.2).</summary>
public sealed class MeasuredBootPolicy
{
    public int Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Policy JSON text; null when an agent was enrolled without one.</summary>
    public string? MbPolicy { get; set; }
}
