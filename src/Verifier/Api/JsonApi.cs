using System.Text.Json.Serialization;

namespace Keylime.Verifier.Api;

/// <summary>JSON:API top-level document with one primary resource (spec/verifier.md §3).</summary>
public sealed record JsonApiDocument<T>(
    [property: JsonPropertyName("data")] T Data,
    [property: JsonPropertyName("links"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonApiLinks? Links = null)
{
    [JsonPropertyName("jsonapi")]
    public JsonApiVersion JsonApi { get; init; } = JsonApiVersion.Current;
}

/// <summary>A JSON:API resource object.</summary>
public sealed record JsonApiResource<TAttributes>(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("attributes")] TAttributes Attributes,
    [property: JsonPropertyName("links"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonApiLinks? Links = null);

/// <summary>A JSON:API request document: <c>{"data": {"type", "id"?, "attributes"}}</c>.</summary>
public sealed record JsonApiRequest<TAttributes>(
    [property: JsonPropertyName("data")] JsonApiRequestData<TAttributes>? Data);

public sealed record JsonApiRequestData<TAttributes>(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("attributes")] TAttributes? Attributes);

public sealed record JsonApiLinks([property: JsonPropertyName("self")] string Self);

public sealed record JsonApiVersion([property: JsonPropertyName("version")] string Version)
{
    public static JsonApiVersion Current { get; } = new("1.1");
}

/// <summary>
/// JSON:API error document. Authentication and authorization denials use it on every route
/// (spec/verifier.md §1: <c>{"errors":[{"status","title","detail"}]}</c>).
/// </summary>
public sealed record JsonApiErrorDocument(
    [property: JsonPropertyName("errors")] IReadOnlyList<JsonApiError> Errors,
    [property: JsonPropertyName("links"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonApiLinks? Links = null,
    [property: JsonPropertyName("jsonapi"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonApiVersion? JsonApi = null);

public sealed record JsonApiError(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code,
    [property: JsonPropertyName("title"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Title,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("source"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonApiErrorSource? Source = null);

public sealed record JsonApiErrorSource([property: JsonPropertyName("pointer")] string Pointer);
