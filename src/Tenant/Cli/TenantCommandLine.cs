using System.CommandLine;
using System.Text.RegularExpressions;

namespace Keylime.Tenant.Cli;

/// <summary>The outcome of parsing: arguments to run, or a usage error, or help/version already handled.</summary>
public sealed record ParsedCommandLine(TenantArguments? Arguments, string? UsageError, ParseResult Result);

/// <summary>
/// Keylime's tenant command line (keylime/tenant.py <c>main()</c>): one root command, the verb in
/// <c>-c/--command</c>, Keylime's option spellings including the multi-letter short forms
/// (<c>-tp</c>, <c>-vp</c>, <c>-rp</c>, <c>-vi</c>, <c>-nvc</c>) and the underscore ones
/// (<c>--tpm_policy</c>). Pull-mode payload options (<c>-f</c>, <c>-k</c>, <c>--cert</c>, …) are not
/// offered: this tenant enrolls push-model agents only.
/// </summary>
public static partial class TenantCommandLine
{
    private static readonly Option<string> Command = new("--command", "-c")
    {
        Description = "add, update, delete, status, cvstatus, bulkinfo, cvlist, reactivate, regstatus, reglist, regdelete, "
                      + "addruntimepolicy, showruntimepolicy, deleteruntimepolicy, updateruntimepolicy, listruntimepolicy, "
                      + "addmbpolicy, showmbpolicy, deletembpolicy, updatembpolicy, listmbpolicy",
        DefaultValueFactory = _ => TenantVerbs.Add,
    };

    private static readonly Option<bool> PushModel = new("--push-model") { Description = "Enroll a push-model agent (no requests to the agent)" };
    private static readonly Option<string?> Uuid = new("--uuid", "-u") { Description = "Agent id" };
    private static readonly Option<string?> TargetHost = new("--targethost", "-t") { Description = "Agent address (not needed in push mode)" };
    private static readonly Option<string?> TargetPort = new("--targetport", "-tp") { Description = "Agent port" };
    private static readonly Option<string?> CvTargetHost = new("--cv_targethost") { Description = "Agent address the verifier should use" };
    private static readonly Option<string?> VerifierIp = new("--cv", "-v") { Description = "Verifier address (overrides verifier_ip)" };
    private static readonly Option<string?> VerifierPort = new("--cvport", "-vp") { Description = "Verifier port (overrides verifier_port)" };
    private static readonly Option<string?> VerifierId = new("--cvid", "-vi") { Description = "Verifier id (filters cvlist/bulkinfo)" };
    private static readonly Option<bool> NoVerifierCheck = new("--no-verifier-check", "-nvc") { Description = "delete/reactivate: skip the status lookup" };
    private static readonly Option<string?> RegistrarIp = new("--registrarhost", "-r") { Description = "Registrar address (overrides registrar_ip)" };
    private static readonly Option<string?> RegistrarPort = new("--registrarport", "-rp") { Description = "Registrar TLS port (overrides registrar_port)" };
    private static readonly Option<string?> TpmPolicy = new("--tpm_policy") { Description = "PCR policy as JSON, e.g. {\"15\":[\"<hex>\"]}" };
    private static readonly Option<string?> RuntimePolicy = new("--runtime-policy") { Description = "Runtime (IMA) policy file" };
    private static readonly Option<string?> RuntimePolicyName = new("--runtime-policy-name") { Description = "Runtime policy name" };
    private static readonly Option<string?> RuntimePolicyChecksum = new("--runtime-policy-checksum") { Description = "Expected SHA-256 of the runtime policy file" };
    private static readonly Option<string?> RuntimePolicySigKey = new("--runtime-policy-sig-key") { Description = "Public key file that signed the runtime policy" };
    private static readonly Option<string?> MbPolicy = new("--mb-policy", "--mb_refstate") { Description = "Measured-boot policy file ('default' = mb_refstate)" };
    private static readonly Option<string?> MbPolicyName = new("--mb-policy-name") { Description = "Measured-boot policy name" };
    private static readonly Option<string?> AgentApiVersion = new("--agent-api-version") { Description = "Agent API version sent as supported_version" };
    private static readonly Option<string?> SupportedVersion = new("--supported-version") { Description = "Deprecated spelling of --agent-api-version" };

    /// <summary>The root command (also used to print help).</summary>
    public static RootCommand Root { get; } = Build();

    /// <summary>Parses <paramref name="args"/>; Keylime's argument checks (get_opts_error) are applied too.</summary>
    public static ParsedCommandLine Parse(IReadOnlyList<string> args)
    {
        // Response files (@file) are not a Keylime feature; an argument starting with '@' stays literal.
        var result = Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Errors.Count > 0)
        {
            return new(null, result.Errors[0].Message, result);
        }

        if (result.Action is not null)
        {
            return new(null, null, result); // --help / --version
        }

        var arguments = Bind(result);
        return new(arguments, Check(arguments), result);
    }

    private static TenantArguments Bind(ParseResult r)
    {
        var uuid = r.GetValue(Uuid);
        return new TenantArguments
        {
            Command = r.GetValue(Command) ?? TenantVerbs.Add,
            PushModel = r.GetValue(PushModel),
            AgentUuid = uuid ?? TenantArguments.DefaultAgentUuid,
            AgentUuidGiven = uuid is not null,
            AgentIp = r.GetValue(TargetHost),
            AgentPort = r.GetValue(TargetPort),
            CvAgentIp = r.GetValue(CvTargetHost),
            VerifierIp = r.GetValue(VerifierIp),
            VerifierPort = r.GetValue(VerifierPort),
            VerifierId = r.GetValue(VerifierId),
            VerifierCheck = !r.GetValue(NoVerifierCheck),
            RegistrarIp = r.GetValue(RegistrarIp),
            RegistrarPort = r.GetValue(RegistrarPort),
            TpmPolicy = r.GetValue(TpmPolicy),
            RuntimePolicy = r.GetValue(RuntimePolicy),
            RuntimePolicyName = r.GetValue(RuntimePolicyName),
            RuntimePolicyChecksum = r.GetValue(RuntimePolicyChecksum),
            RuntimePolicySigKey = r.GetValue(RuntimePolicySigKey),
            MbPolicy = r.GetValue(MbPolicy),
            MbPolicyName = r.GetValue(MbPolicyName),
            AgentApiVersion = r.GetValue(AgentApiVersion) ?? r.GetValue(SupportedVersion),
        };
    }

    /// <summary>Keylime's own argument rules (keylime/cli/options.py get_opts_error, agent id check).</summary>
    private static string? Check(TenantArguments a)
    {
        if (!TenantVerbs.All.Contains(a.Command))
        {
            return $"Invalid command specified: {a.Command}";
        }

        if (!AgentIdPattern().IsMatch(a.AgentUuid))
        {
            return "The agent ID set via agent uuid parameter use invalid characters";
        }

        if (a.Command == TenantVerbs.AddRuntimePolicy && a.RuntimePolicy is null)
        {
            return "--runtime-policy is required to add a runtime policy";
        }

        if (a.RuntimePolicyChecksum is not null && a.RuntimePolicy is null)
        {
            return "--runtime-policy-checksum must have --runtime-policy";
        }

        return null;
    }

    private static RootCommand Build()
    {
        var root = new RootCommand("keylime-tenant: enroll and manage Keylime push-model agents (Keylime's tenant verbs and options)");
        foreach (var option in new Option[]
                 {
                     Command, PushModel, Uuid, TargetHost, TargetPort, CvTargetHost, VerifierIp, VerifierPort, VerifierId,
                     NoVerifierCheck, RegistrarIp, RegistrarPort, TpmPolicy, RuntimePolicy, RuntimePolicyName,
                     RuntimePolicyChecksum, RuntimePolicySigKey, MbPolicy, MbPolicyName, AgentApiVersion, SupportedVersion,
                 })
        {
            root.Options.Add(option);
        }

        return root;
    }

    // Keylime's validators.valid_agent_id: [\w.-]+ over the whole id.
    [GeneratedRegex(@"^[\w.-]+\z")]
    private static partial Regex AgentIdPattern();
}
