using System.Text.Json.Serialization;

namespace Keylime.Registrar.Api;

/// <summary>
/// Keylime's response envelope (spec/registrar.md §3): <c>code</c> repeats the HTTP status,
/// <c>status</c> is "Success" or the error message, <c>results</c> is never null.
/// </summary>
public sealed record Envelope<T>(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("results")] T Results);

/// <summary>The <c>{}</c> of responses that carry no data.</summary>
public sealed record EmptyResults;

/// <summary><c>GET /version</c> results (spec §4.1).</summary>
public sealed record VersionResults(
    [property: JsonPropertyName("current_version")] string CurrentVersion,
    [property: JsonPropertyName("supported_versions")] IReadOnlyList<string> SupportedVersions);

/// <summary>Registration answer: the MakeCredential blob, standard base64 (spec §4.6).</summary>
public sealed record BlobResults([property: JsonPropertyName("blob")] string Blob);

/// <summary>List answer: every registered ID, active or not (spec §4.3).</summary>
public sealed record AgentListResults([property: JsonPropertyName("uuids")] IReadOnlyList<string> Uuids);

/// <summary>
/// Show answer (spec §4.4). Every key is always written, null included: the Python tenant indexes
/// <c>aik_tpm, regcount, ek_tpm, ip, port</c> directly. Key order follows the capture.
/// </summary>
public sealed record AgentResults(
    [property: JsonPropertyName("agent_id")] string AgentId,
    [property: JsonPropertyName("ek_tpm")] string? EkTpm,
    [property: JsonPropertyName("ekcert")] string? EkCert,
    [property: JsonPropertyName("aik_tpm")] string? AikTpm,
    [property: JsonPropertyName("ip")] string? Ip,
    [property: JsonPropertyName("port")] int? Port,
    [property: JsonPropertyName("mtls_cert")] string? MtlsCert,
    [property: JsonPropertyName("regcount")] int Regcount);

/// <summary>
/// JSON:API-style error document Keylime uses for authorization failures (spec §1), in place of
/// the envelope.
/// </summary>
public sealed record ErrorDocument([property: JsonPropertyName("errors")] IReadOnlyList<ErrorObject> Errors);

public sealed record ErrorObject(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("detail")] string Detail);
