namespace Keylime.Registrar.Storage;

/// <summary>
/// One row of <c>registrarmain</c> (spec/registrar.md §8). Keys and certificates are base64 text,
/// as Keylime stores them; every such column is TEXT because Keylime's VARCHAR limits are too short
/// for RSA-4096 keys, large certificates and IPv6 addresses.
/// </summary>
public sealed class RegisteredAgent
{
    public required string AgentId { get; set; }

    /// <summary>base64 of the 32 ASCII credential characters: the HMAC key of the activation (spec §7).</summary>
    public string? Key { get; set; }

    public string? AikTpm { get; set; }

    public string? EkTpm { get; set; }

    /// <summary>base64 DER, no PEM armour.</summary>
    public string? EkCert { get; set; }

    public string? IakTpm { get; set; }

    public string? IdevidTpm { get; set; }

    public string? IakCert { get; set; }

    public string? IdevidCert { get; set; }

    /// <summary>base64 DER, or the literal <c>disabled</c>.</summary>
    public string? MtlsCert { get; set; }

    public string? Ip { get; set; }

    public int? Port { get; set; }

    /// <summary>True once the agent proved that its AK lives in the EK's TPM.</summary>
    public bool Active { get; set; }

    /// <summary>Legacy vTPM flag; never set by current Keylime, kept for schema compatibility.</summary>
    public bool? Virtual { get; set; }

    /// <summary>Legacy JSON text; <c>{}</c> for new records.</summary>
    public string? ProviderKeys { get; set; }

    public int Regcount { get; set; }
}
