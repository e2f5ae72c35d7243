using System.Net;
using System.Text.Json.Nodes;
using Keylime.Tenant.Output;

namespace Keylime.Tenant.Transport;

/// <summary>
/// One answer of a Keylime server: HTTP status and, when the body is JSON, the v2 envelope
/// <c>{"code", "status", "results"}</c>. Framework errors (404/405 from routing, 500) may have no body.
/// </summary>
public sealed record ServerResponse(HttpStatusCode StatusCode, string? ReasonPhrase, JsonNode? Body)
{
    public int Status => (int)StatusCode;

    /// <summary>The envelope's <c>code</c>, else the HTTP status (Keylime's tenant reads <c>code</c> for deletes).</summary>
    public int Code => Body is JsonObject o && o["code"] is JsonValue v && v.TryGetValue<int>(out var code) ? code : Status;

    /// <summary>The envelope's <c>results</c> object, or an empty one.</summary>
    public JsonObject Results => Body is JsonObject o && o["results"] is JsonObject r ? r : [];

    /// <summary>The server's reason: the envelope's <c>status</c>, a JSON:API error detail, or the HTTP reason phrase.</summary>
    public string Detail
    {
        get
        {
            if (Body is JsonObject o)
            {
                if (o["status"] is JsonValue s && s.TryGetValue<string>(out var text))
                {
                    return text;
                }

                if (o["errors"] is JsonArray { Count: > 0 } errors && errors[0]?["detail"] is JsonValue d && d.TryGetValue<string>(out var detail))
                {
                    return detail;
                }
            }

            return ReasonPhrase ?? StatusCode.ToString();
        }
    }

    /// <summary>The body as Python's json.dumps would print it ("{}" when there is none, as Keylime's tenant prints).</summary>
    public string BodyText => Body is null ? "{}" : PythonJson.Dumps(Body);
}
