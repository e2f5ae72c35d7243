using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Keylime.Registrar.Tests.Support;

/// <summary>A response as the tests look at it: status, reason phrase, body (parsed when JSON).</summary>
public sealed record ApiResponse(HttpStatusCode Status, string? Reason, string Body, JsonElement? Json)
{
    public int Code => (int)Status;

    /// <summary>The envelope's <c>status</c> text.</summary>
    public string? EnvelopeStatus => Json?.GetProperty("status").GetString();

    public JsonElement Results => Json!.Value.GetProperty("results");
}

/// <summary>Small HTTP helpers over <see cref="HttpClient"/>; bodies are sent as raw text so tests control every byte.</summary>
public static class Api
{
    public static Task<ApiResponse> Get(this HttpClient client, string path) => client.Send(HttpMethod.Get, path, null);

    public static Task<ApiResponse> Delete(this HttpClient client, string path) => client.Send(HttpMethod.Delete, path, null);

    public static Task<ApiResponse> Post(this HttpClient client, string path, object body) =>
        client.Send(HttpMethod.Post, path, body as string ?? JsonSerializer.Serialize(body));

    public static Task<ApiResponse> Put(this HttpClient client, string path, object body) =>
        client.Send(HttpMethod.Put, path, body as string ?? JsonSerializer.Serialize(body));

    public static async Task<ApiResponse> Send(this HttpClient client, HttpMethod method, string path, string? body,
        string contentType = "application/json", IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(k, v);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement? json = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json" && text.Length > 0)
        {
            json = JsonDocument.Parse(text).RootElement.Clone();
        }

        return new ApiResponse(response.StatusCode, response.ReasonPhrase, text, json);
    }
}
