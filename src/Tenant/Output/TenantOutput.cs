using System.Text.Json.Nodes;

namespace Keylime.Tenant.Output;

/// <summary>
/// Where the tenant writes. Standard output carries only JSON documents, one per line, spelled as
/// Keylime's tenant logs them (<c>json.dumps</c>), so scripts can pipe them to a JSON tool; the
/// informational lines Keylime logs ("Agent … added to Verifier …") and the final failure line go to
/// standard error.
/// </summary>
public sealed class TenantOutput(TextWriter output, TextWriter error)
{
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;

    /// <summary>One JSON result line on standard output.</summary>
    public void Json(JsonNode? document) => Out.WriteLine(PythonJson.Dumps(document));

    /// <summary>One informational line on standard error.</summary>
    public void Info(string message) => Error.WriteLine(message);

    /// <summary>A warning (Keylime logs these at WARNING level).</summary>
    public void Warn(string message) => Error.WriteLine("WARNING: " + message);
}
