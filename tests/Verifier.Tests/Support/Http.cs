using System.Text;
using System.Text.Json.Nodes;

namespace Keylime.Verifier.Tests.Support;

/// <summary>Requests sent the way Keylime's tenant (python-requests) sends them: a body without Content-Type.</summary>
public static class Http
{
    public static async Task<(int Status, JsonNode? Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public static Task<(int Status, JsonNode? Body)> GetAsync(HttpClient client, string path) => SendAsync(client, HttpMethod.Get, path);

    public static Task<(int Status, JsonNode? Body)> PostAsync(HttpClient client, string path, JsonNode body) =>
        SendAsync(client, HttpMethod.Post, path, body.ToJsonString());

    public static Task<(int Status, JsonNode? Body)> DeleteAsync(HttpClient client, string path) => SendAsync(client, HttpMethod.Delete, path);
}
