using System.Globalization;
using System.Text.Json.Serialization;

namespace Keylime.Verifier.Sessions;

/// <summary>Attributes of <c>POST</c> and <c>PATCH /v3.0/sessions</c> requests (spec/verifier.md §6.1–6.2).</summary>
public sealed record SessionRequestAttributes(
    string? AgentId,
    List<AuthenticationEntry?>? AuthenticationSupported,
    List<AuthenticationEntry?>? AuthenticationProvided);

/// <summary>One authentication method: offered, requested (with the challenge) or provided (with the certify result).</summary>
public sealed record AuthenticationEntry(
    string? AuthenticationClass,
    string? AuthenticationType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ChallengeParameters? ChosenParameters = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PopData? Data = null)
{
    public const string PopClass = "pop";
    public const string TpmPop = "tpm_pop";
}

public sealed record ChallengeParameters(string Challenge);

/// <summary>TPM2_Certify output: base64 TPMS_ATTEST and TPMT_SIGNATURE.</summary>
public sealed record PopData(string? Message, string? Signature);

/// <summary>The session resource's attributes; the Rust agent needs every timestamp present in PATCH answers.</summary>
public sealed record SessionAttributes
{
    public required string AgentId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<AuthenticationEntry>? AuthenticationRequested { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Evaluation { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Token { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<AuthenticationEntry>? Authentication { get; init; }

    public required string CreatedAt { get; init; }

    public required string ChallengesExpireAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ResponseReceivedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? TokenExpiresAt { get; init; }
}

/// <summary>Keylime's timestamp text: ISO 8601 with microseconds and an explicit +00:00 offset.</summary>
public static class Timestamps
{
    /// <summary>
    /// <c>yyyy-MM-ddTHH:mm:ss.ffffff+00:00</c>, through the round-trip format ("O", seven fraction digits and <c>Z</c>),
    /// which .NET writes without parsing a pattern: five timestamps go out with every attestation response.
    /// </summary>
    public static string Format(DateTime utc)
    {
        Span<char> roundTrip = stackalloc char[RoundTripLength];
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).TryFormat(roundTrip, out _, "O", CultureInfo.InvariantCulture);
        return string.Concat(roundTrip[..MicrosecondsLength], "+00:00");
    }

    /// <summary>"2026-11-28T18:03:31.1667203Z".</summary>
    private const int RoundTripLength = 28;

    /// <summary>Up to the sixth fraction digit; the seventh is dropped, as the custom format "ffffff" drops it.</summary>
    private const int MicrosecondsLength = 26;

    public static string? Format(DateTime? utc) => utc is { } value ? Format(value) : null;
}
