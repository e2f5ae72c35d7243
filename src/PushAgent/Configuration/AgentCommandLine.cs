using System.CommandLine;

namespace Keylime.PushAgent.Configuration;

/// <summary>
/// The command line of <c>keylime_push_model_agent</c> (spec/push-agent.md §1.1), System.CommandLine
/// 2.0. Boolean flags accept a bare <c>--insecure</c> as well as <c>--insecure true|false</c>.
/// </summary>
public static class AgentCommandLine
{
    public static readonly Option<string?> VerifierUrl = new("--verifier-url", "-v") { Description = "Verifier URL (https://host:8881); overrides verifier_url" };
    public static readonly Option<string?> RegistrarUrl = new("--registrar-url") { Description = "Registrar URL (http://host:8890 or https://host:8891); overrides registrar_ip/port/registrar_tls_enabled" };
    public static readonly Option<string?> AgentIdentifier = new("--agent-identifier") { Description = "Agent id towards the verifier; registration keeps the configured uuid" };
    public static readonly Option<int?> AttestationIntervalSeconds = new("--attestation-interval-seconds") { Description = "Seconds between attestations when the verifier names none; overrides attestation_interval_seconds" };
    public static readonly Option<string?> CaCertificate = new("--ca-certificate") { Description = "CA certificate (PEM) of the verifier; overrides verifier_tls_ca_cert" };
    public static readonly Option<string?> ApiVersion = new("--api-version") { Description = "Verifier API version (default v3.0)" };
    public static readonly Option<int?> Timeout = new("--timeout") { Description = "Per-request timeout in milliseconds (default 5000)" };
    public static readonly Option<bool> Insecure = new("--insecure") { Description = "TESTING ONLY: allow http:// and do not check the verifier's certificate" };
    public static readonly Option<bool> AvoidTpm = new("--avoid-tpm") { Description = "TESTING ONLY: use a software TPM instead of the machine's TPM" };

    public static RootCommand Create()
    {
        var root = new RootCommand("Keylime push-model agent: registers with the registrar and pushes TPM evidence to the verifier");
        foreach (var option in new Option[] { VerifierUrl, RegistrarUrl, AgentIdentifier, AttestationIntervalSeconds, CaCertificate, ApiVersion, Timeout, Insecure, AvoidTpm })
        {
            root.Options.Add(option);
        }

        return root;
    }

    public static CommandLineOverrides Overrides(ParseResult result) => new()
    {
        VerifierUrl = result.GetValue(VerifierUrl),
        RegistrarUrl = result.GetValue(RegistrarUrl),
        AgentIdentifier = result.GetValue(AgentIdentifier),
        AttestationIntervalSeconds = result.GetValue(AttestationIntervalSeconds),
        CaCertificate = result.GetValue(CaCertificate),
        ApiVersion = result.GetValue(ApiVersion),
        TimeoutMilliseconds = result.GetValue(Timeout),
        Insecure = result.GetValue(Insecure),
        AvoidTpm = result.GetValue(AvoidTpm),
    };
}
