using System.Text.Json.Nodes;

namespace Keylime.Tenant.Registrar;

/// <summary>
/// An agent's registrar record (spec/registrar.md §4.4) as the tenant uses it: the AK it copies to
/// the verifier, the EK certificate it checks, the contact address and agent mTLS certificate.
/// Values stay JSON nodes so they are forwarded exactly as the registrar spelled them.
/// </summary>
public sealed record RegistrarAgent(JsonObject Results)
{
    /// <summary>Keylime's registrar_client requires these keys (values may be null).</summary>
    public static readonly IReadOnlyList<string> MandatoryFields = ["aik_tpm", "regcount", "ek_tpm", "ip", "port"];

    public JsonNode? AikTpm => Results["aik_tpm"];
    public JsonNode? Ip => Results["ip"];
    public JsonNode? Port => Results["port"];
    public JsonNode? MtlsCert => Results["mtls_cert"];
    public string? EkCert => Text("ekcert");
    public string? EkTpm => Text("ek_tpm");

    /// <summary>The subset Keylime's tenant keeps (registrar_client.getData), in its order.</summary>
    public JsonObject Summary()
    {
        var summary = new JsonObject();
        foreach (var key in new[] { "aik_tpm", "regcount", "ek_tpm", "ip", "port", "mtls_cert", "ekcert" })
        {
            summary[key] = Results[key]?.DeepClone();
        }

        if (Results["provider_keys"] is { } provider)
        {
            summary["provider_keys"] = provider.DeepClone();
        }

        return summary;
    }

    private string? Text(string key) =>
        Results[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
