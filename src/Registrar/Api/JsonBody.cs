using System.Buffers;
using System.Text.Json;

namespace Keylime.Registrar.Api;

/// <summary>
/// A request body read the way Keylime reads it (spec/registrar.md §1): JSON is parsed only when
/// Content-Type is <c>application/json</c> or <c>application/*+json</c>; otherwise, and for a body
/// that is not a JSON object (e.g. an array), the handler sees no fields at all. The size cap is
/// <c>max_upload_size</c>.
/// </summary>
public sealed class JsonBody : IDisposable
{
    private readonly JsonDocument? _document;

    private JsonBody(JsonDocument? document, BodyError error)
    {
        _document = document;
        Error = error;
    }

    public BodyError Error { get; }

    /// <summary>The top-level object, or null when the request carries no usable fields.</summary>
    public JsonElement? Object =>
        _document is { RootElement.ValueKind: JsonValueKind.Object } ? _document.RootElement : null;

    public bool TryGet(string name, out JsonElement value)
    {
        if (Object is { } obj && obj.TryGetProperty(name, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    public void Dispose() => _document?.Dispose();

    public static async Task<JsonBody> ReadAsync(HttpRequest request, long maxSize, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxSize)
        {
            return new JsonBody(null, BodyError.TooLarge);
        }

        if (!IsJson(request.ContentType))
        {
            return new JsonBody(null, BodyError.None);
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and < 1 << 20 ? (int)request.ContentLength.Value : 4096);
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(8192);
                var read = await request.Body.ReadAsync(memory, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > maxSize)
                {
                    return new JsonBody(null, BodyError.TooLarge);
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new JsonBody(null, BodyError.TooLarge);
        }
        catch (BadHttpRequestException)
        {
            return new JsonBody(null, BodyError.Malformed);
        }

        try
        {
            var document = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 64 });
            return new JsonBody(document, BodyError.None);
        }
        catch (JsonException)
        {
            return new JsonBody(null, BodyError.Malformed);
        }
    }

    /// <summary><c>application/json</c> or <c>application/&lt;x&gt;+json</c>, parameters ignored.</summary>
    internal static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var mediaType = contentType.AsSpan();
        var semicolon = mediaType.IndexOf(';');
        if (semicolon >= 0)
        {
            mediaType = mediaType[..semicolon];
        }

        mediaType = mediaType.Trim();
        if (!mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var subtype = mediaType["application/".Length..];
        return subtype.Equals("json", StringComparison.OrdinalIgnoreCase)
            || (subtype.Length > "+json".Length && subtype.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}

public enum BodyError
{
    None,
    Malformed,
    TooLarge,
}
