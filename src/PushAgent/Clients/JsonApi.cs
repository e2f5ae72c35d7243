using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Keylime.PushAgent.Protocol;

namespace Keylime.PushAgent.Clients;

/// <summary>Request and response bodies: JSON:API (<c>application/vnd.api+json</c>) towards the verifier, plain JSON towards the registrar.</summary>
internal static class JsonApi
{
    public const string MediaType = "application/vnd.api+json";

    public static HttpRequestMessage Request(HttpMethod method, Uri url, string mediaType)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        return request;
    }

    public static HttpRequestMessage Request<T>(HttpMethod method, Uri url, T? body, JsonTypeInfo<T> type, string mediaType = MediaType)
    {
        var request = Request(method, url, mediaType);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        return request;
    }

    /// <summary>Parses a body, or null when it is not the expected JSON.</summary>
    public static T? TryParse<T>(string body, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return body.Length == 0 ? null : JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The verifier's reason for a refusal: the JSON:API error details, else the body itself (shortened).</summary>
    public static string Detail(string body)
    {
        var errors = TryParse(body, AgentJsonContext.Default.ErrorDocument)?.Errors;
        if (errors is { Count: > 0 })
        {
            return string.Join("; ", errors.Select(e => e.Detail ?? e.Title ?? e.Status ?? "?"));
        }

        return body.Length > 500 ? body[..500] + "…" : body;
    }
}
