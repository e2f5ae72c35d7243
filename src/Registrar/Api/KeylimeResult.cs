using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Keylime.Registrar.Api;

/// <summary>
/// A response in Keylime's envelope. Like Keylime, the HTTP reason phrase carries the same text as
/// <c>status</c> (spec §3) — only when it is safe printable ASCII, because some messages echo
/// client input.
/// </summary>
public sealed class KeylimeResult<T> : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<Envelope<T>>, IEndpointMetadataProvider
{
    private readonly JsonTypeInfo<Envelope<T>> _typeInfo;

    internal KeylimeResult(int statusCode, string status, T results, JsonTypeInfo<Envelope<T>> typeInfo)
    {
        StatusCode = statusCode;
        Value = new Envelope<T>(statusCode, status, results);
        _typeInfo = typeInfo;
    }

    public int StatusCode { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Envelope<T> Value { get; }

    object? IValueHttpResult.Value => Value;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        ReasonPhrase.TrySet(httpContext, Value.Status);
        response.ContentType = "application/json";

        // Serialized up front: the answers are small, and a known length spares the chunked framing
        // and the stream adapter of an asynchronous serializer.
        var body = JsonSerializer.SerializeToUtf8Bytes(Value, _typeInfo);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, httpContext.RequestAborted);
    }

#pragma warning disable CA1000 // required shape of IEndpointMetadataProvider
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Envelope<T>), ["application/json"]));
#pragma warning restore CA1000
}

/// <summary>Sets the HTTP/1.1 reason phrase when the text can travel in a status line.</summary>
internal static class ReasonPhrase
{
    public static void TrySet(HttpContext httpContext, string text)
    {
        if (text.Length == 0 || text.Length > 512)
        {
            return;
        }

        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                return;
            }
        }

        var feature = httpContext.Features.Get<IHttpResponseFeature>();
        if (feature is not null)
        {
            feature.ReasonPhrase = text;
        }
    }
}
