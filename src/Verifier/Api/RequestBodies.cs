using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Keylime.Verifier.Api;

/// <summary>
/// Reads JSON request bodies whatever their Content-Type: Keylime's tenant POSTs enrollment without
/// one (captures/verifier.md #2), so minimal-API body binding (415 without application/json) can't be used.
/// </summary>
public static class RequestBodies
{
    public static async Task<Outcome<T>> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        try
        {
            using var buffer = new MemoryStream(request.ContentLength is { } length and > 0 and <= 1 << 20 ? (int)length : 0);
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
            if (buffer.Length == 0)
            {
                return ApiFailure.BadRequest("Expected non zero content length");
            }

            // PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
            if (buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf("\\u0000"u8) >= 0)
            {
                return ApiFailure.BadRequest("Exception error: NUL characters are not accepted");
            }

            // The whole body is in memory: one synchronous pass, without the resumable (async) converters'
            // bookkeeping; a UTF-8 byte order mark is skipped as the stream reader did.
            var json = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            var value = JsonSerializer.Deserialize(json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? json[3..] : json, typeInfo);
            return value is null ? ApiFailure.BadRequest("Exception error: the body must be a JSON object") : value;
        }
        catch (JsonException e)
        {
            return ApiFailure.BadRequest($"Exception error: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new ApiFailure(StatusCodes.Status413PayloadTooLarge, "Request body exceeds max_upload_size", "payload_too_large");
        }
    }
}

/// <summary>Policy names come from the path: 1–255 characters, no control characters (PostgreSQL text cannot hold NUL).</summary>
public static class PolicyNames
{
    public static ApiFailure? Check(string? name) =>
        string.IsNullOrEmpty(name) || name.Length > Data.RuntimePolicy.NameMaxLength || name.Any(char.IsControl)
            ? ApiFailure.BadRequest("policy names are 1-255 characters without control characters", "/data/attributes/name")
            : null;

    /// <summary>Refuses a bad <c>{name}</c> route value before the handler runs, in the route's error shape.</summary>
    public static TBuilder CheckNameRouteValue<TBuilder>(this TBuilder builder, bool jsonApi)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.GetRouteValue("name") is string name && Check(name) is { } failure)
            {
                return jsonApi
                    ? failure.ToJsonApi(context.HttpContext.Request)
                    : V2.Status(failure.Status, failure.Message);
            }

            return await next(context);
        });
}

/// <summary>Keylime's agent id rule (spec/verifier.md §4): word characters, dots and dashes; at most the column width.</summary>
public static class AgentIds
{
    public const string Invalid = "agent_id not not valid"; // sic: Keylime's wording, kept for log/grep compatibility

    public static bool IsValid(string? agentId) =>
        !string.IsNullOrEmpty(agentId)
        && agentId.Length <= Data.Agent.IdMaxLength
        && agentId.All(c => char.IsLetterOrDigit(c) || c is '_' or '.' or '-');
}
