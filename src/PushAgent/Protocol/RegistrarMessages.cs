using System.Text.Json.Serialization;

namespace Keylime.PushAgent.Protocol;

// Wire types of the registrar API v2.x (spec/push-agent.md §4, spec/registrar.md): plain JSON in
// Keylime's {"code","status","results"} envelope.

public sealed record RegistrarEnvelope<T>(int? Code, string? Status, T? Results)
    where T : class;

public sealed record RegistrarVersion(string? CurrentVersion, IReadOnlyList<string>? SupportedVersions);

public sealed record RegistrationBlob(string? Blob);

public sealed record EmptyResults;

/// <summary>
/// The registration body. <c>iak_cert</c> and <c>idevid_cert</c> are always written (as null), as
/// the Rust agent does; the registrar expects the keys.
/// </summary>
public sealed record RegisterRequest(
    [property: JsonPropertyName("aik_tpm")] string AikTpm,
    [property: JsonPropertyName("ek_tpm")] string EkTpm,
    [property: JsonPropertyName("ekcert")] string EkCert,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? IakCert,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? IdevidCert,
    string Ip,
    int Port);

public sealed record ActivateRequest(string AuthTag);
