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
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
            if (buffer.Length == 0)
            {
                return ApiFailure.BadRequest("Expected non zero content length");
            }

            buffer.Position = 0;
            var value = await JsonSerializer.DeserializeAsync(buffer, typeInfo, request.HttpContext.RequestAborted);
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

/// <summary>Keylime's agent id rule (spec/verifier.md §4): word characters, dots and dashes; at most the column width.</summary>
public static class AgentIds
{
    public const string Invalid = "agent_id not not valid"; // sic: Keylime's wording, kept for log/grep compatibility

    public static bool IsValid(string? agentId) =>
        !string.IsNullOrEmpty(agentId)
        && agentId.Length <= Data.Agent.IdMaxLength
        && agentId.All(c => char.IsLetterOrDigit(c) || c is '_' or '.' or '-');
}
