using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Keylime.Verifier.Api;

/// <summary>JSON:API reading and error rendering for the v3 admin routes (spec/verifier.md §3).</summary>
public static class JsonApiResults
{
    /// <summary>The failure as a JSON:API error document (status, code, detail, source pointer).</summary>
    public static JsonHttpResult<JsonApiErrorDocument> ToJsonApi(this ApiFailure failure, HttpRequest request)
    {
        var code = failure.Code ?? failure.Status switch
        {
            400 => "invalid_request",
            401 => "unauthorized",
            404 => "not_found",
            409 => "conflict",
            413 => "payload_too_large",
            _ => "error",
        };
        var error = new JsonApiError(
            failure.Status.ToString(CultureInfo.InvariantCulture),
            code,
            null,
            failure.Message,
            failure.Pointer is null ? null : new JsonApiErrorSource(failure.Pointer));
        var document = new JsonApiErrorDocument([error], new JsonApiLinks(request.Path), JsonApiVersion.Current);
        return TypedResults.Json(document, VerifierJson.Default.JsonApiErrorDocument, statusCode: failure.Status);
    }

    /// <summary>Reads <c>{"data": {"type", "id"?, "attributes"}}</c>; the type must be <paramref name="expectedType"/>.</summary>
    public static async Task<Outcome<JsonApiRequestData<T>>> ReadAsync<T>(
        HttpRequest request, JsonTypeInfo<JsonApiRequest<T>> typeInfo, string expectedType)
        where T : class
    {
        var document = await RequestBodies.ReadAsync(request, typeInfo);
        if (document.Failure is { } failure)
        {
            return failure;
        }

        var data = document.Value!.Data;
        if (data?.Attributes is null)
        {
            return ApiFailure.BadRequest("the document must have data.attributes", "/data");
        }

        return data.Type == expectedType
            ? data
            : ApiFailure.BadRequest($"data.type must be '{expectedType}'", "/data/type");
    }
}
