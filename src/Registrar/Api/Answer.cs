using Microsoft.AspNetCore.Http.Metadata;
using System.Reflection;

namespace Keylime.Registrar.Api;

/// <summary>Factory of the registrar's answers, so every handler speaks the same envelope.</summary>
public static class Answer
{
    public const string Success = "Success";

    private static RegistrarJsonContext Json => RegistrarJsonContext.Default;

    public static KeylimeResult<EmptyResults> Ok() =>
        new(StatusCodes.Status200OK, Success, new EmptyResults(), Json.EnvelopeEmptyResults);

    public static KeylimeResult<VersionResults> Ok(VersionResults results) =>
        new(StatusCodes.Status200OK, Success, results, Json.EnvelopeVersionResults);

    public static KeylimeResult<BlobResults> Ok(BlobResults results) =>
        new(StatusCodes.Status200OK, Success, results, Json.EnvelopeBlobResults);

    public static KeylimeResult<AgentListResults> Ok(AgentListResults results) =>
        new(StatusCodes.Status200OK, Success, results, Json.EnvelopeAgentListResults);

    public static KeylimeResult<AgentResults> Ok(AgentResults results) =>
        new(StatusCodes.Status200OK, Success, results, Json.EnvelopeAgentResults);

    /// <summary>An error in the envelope: <c>{"code":N,"status":message,"results":{}}</c>.</summary>
    public static KeylimeResult<EmptyResults> Error(int statusCode, string message) =>
        new(statusCode, message, new EmptyResults(), Json.EnvelopeEmptyResults);

    public static KeylimeResult<EmptyResults> BadRequest(string message) => Error(StatusCodes.Status400BadRequest, message);

    public static KeylimeResult<EmptyResults> NotFound(string message) => Error(StatusCodes.Status404NotFound, message);

    public static KeylimeResult<EmptyResults> Forbidden(string message) => Error(StatusCodes.Status403Forbidden, message);

    /// <summary>Authorization refusal in the JSON:API error shape (spec §1), not the envelope.</summary>
    public static AuthorizationFailure AuthorizationDenied(string detail) => new(StatusCodes.Status403Forbidden, "Forbidden", detail);
}

/// <summary><c>{"errors":[{"status","title","detail"}]}</c> with the matching HTTP status.</summary>
public sealed class AuthorizationFailure(int statusCode, string title, string detail)
    : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    public int StatusCode { get; } = statusCode;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public ErrorDocument Value { get; } = new([new ErrorObject(statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), title, detail)]);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCode;
        httpContext.Response.ContentType = "application/json";
        await System.Text.Json.JsonSerializer.SerializeAsync(
            httpContext.Response.Body, Value, RegistrarJsonContext.Default.ErrorDocument, httpContext.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ErrorDocument), ["application/json"]));
}
