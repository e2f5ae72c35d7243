using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Keylime.Verifier.Api;

/// <summary>
/// Keylime's v2 envelope (spec/verifier.md §3): <c>{"code", "status", "results"}</c>; the HTTP status
/// equals <c>code</c>. Every /version and /v2.x response, success or failure, uses it.
/// </summary>
public sealed record V2Response<T>(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("results")] T Results);

/// <summary>The empty <c>results</c> object of Keylime's v2 answers that carry no data.</summary>
public sealed record EmptyResults;

/// <summary>Builders for v2 answers, so a status code and its <c>code</c> field can never disagree.</summary>
public static class V2
{
    public const string Success = "Success";

    private static readonly EmptyResults Empty = new();

    public static Ok<V2Response<T>> Ok<T>(T results) => TypedResults.Ok(new V2Response<T>(200, Success, results));

    public static Ok<V2Response<EmptyResults>> Ok() => TypedResults.Ok(new V2Response<EmptyResults>(200, Success, Empty));

    public static Created<V2Response<EmptyResults>> Created() =>
        TypedResults.Created((string?)null, new V2Response<EmptyResults>(201, "Created", Empty));

    public static BadRequest<V2Response<EmptyResults>> BadRequest(string status) =>
        TypedResults.BadRequest(Error(400, status));

    public static NotFound<V2Response<EmptyResults>> NotFound(string status) =>
        TypedResults.NotFound(Error(404, status));

    public static Conflict<V2Response<EmptyResults>> Conflict(string status) =>
        TypedResults.Conflict(Error(409, status));

    public static JsonHttpResult<V2Response<EmptyResults>> Status(int code, string status) =>
        TypedResults.Json(Error(code, status), statusCode: code);

    public static V2Response<EmptyResults> Error(int code, string status) => new(code, status, Empty);
}
