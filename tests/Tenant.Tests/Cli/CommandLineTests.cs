using Keylime.Tenant.Cli;

namespace Keylime.Tenant.Tests.Cli;

/// <summary>Keylime's tenant command line (keylime/tenant.py main()): verbs, option spellings, argument rules.</summary>
public class CommandLineTests
{
    private static TenantArguments Parse(params string[] args)
    {
        var parsed = TenantCommandLine.Parse(args);
        Assert.Null(parsed.UsageError);
        return Assert.IsType<TenantArguments>(parsed.Arguments);
    }

    [Fact]
    public void Push_model_add_with_uuid_needs_no_target_host()
    {
        var a = Parse("-c", "add", "--push-model", "-u", "d432fbb3-d2f1-4a97-9ef7-75bd81c00000");

        Assert.Equal("add", a.Command);
        Assert.True(a.PushModel);
        Assert.Equal("d432fbb3-d2f1-4a97-9ef7-75bd81c00000", a.AgentUuid);
        Assert.Null(a.AgentIp);
    }

    [Fact]
    public void Command_defaults_to_add_like_keylime()
    {
        Assert.Equal("add", Parse("--push-model", "-u", "a").Command);
    }

    [Fact]
    public void Missing_uuid_falls_back_to_keylimes_default_agent_id()
    {
        var a = Parse("-c", "cvstatus");

        Assert.Equal(TenantArguments.DefaultAgentUuid, a.AgentUuid);
        Assert.False(a.AgentUuidGiven);
    }

    [Fact]
    public void Long_option_names_and_underscore_spellings_are_accepted()
    {
        var a = Parse(
            "--command", "add", "--uuid", "a1", "--targethost", "10.0.0.5", "--targetport", "9002", "--cv_targethost", "10.0.0.6",
            "--cv", "10.0.0.1", "--cvport", "18881", "--cvid", "v1", "--registrarhost", "10.0.0.2", "--registrarport", "18891",
            "--tpm_policy", "{\"15\": \"AB\"}", "--runtime-policy", "p.json", "--runtime-policy-name", "rp",
            "--runtime-policy-checksum", "00", "--runtime-policy-sig-key", "k.pem", "--mb_refstate", "mb.json", "--mb-policy-name", "mp",
            "--agent-api-version", "2.2");

        Assert.Equal(("10.0.0.5", "9002", "10.0.0.6"), (a.AgentIp, a.AgentPort, a.CvAgentIp));
        Assert.Equal(("10.0.0.1", "18881", "v1"), (a.VerifierIp, a.VerifierPort, a.VerifierId));
        Assert.Equal(("10.0.0.2", "18891"), (a.RegistrarIp, a.RegistrarPort));
        Assert.Equal("{\"15\": \"AB\"}", a.TpmPolicy);
        Assert.Equal(("p.json", "rp", "00", "k.pem"), (a.RuntimePolicy, a.RuntimePolicyName, a.RuntimePolicyChecksum, a.RuntimePolicySigKey));
        Assert.Equal(("mb.json", "mp"), (a.MbPolicy, a.MbPolicyName));
        Assert.Equal("2.2", a.AgentApiVersion);
    }

    [Fact]
    public void Multi_letter_short_options_are_keylimes_not_bundles()
    {
        var a = Parse("-c", "delete", "-u", "a1", "-t", "h", "-tp", "1", "-v", "vh", "-vp", "2", "-vi", "vid", "-r", "rh", "-rp", "3", "-nvc");

        Assert.Equal(("h", "1"), (a.AgentIp, a.AgentPort));
        Assert.Equal(("vh", "2", "vid"), (a.VerifierIp, a.VerifierPort, a.VerifierId));
        Assert.Equal(("rh", "3"), (a.RegistrarIp, a.RegistrarPort));
        Assert.False(a.VerifierCheck);
    }

    [Fact]
    public void Verifier_check_is_on_unless_disabled()
    {
        Assert.True(Parse("-c", "delete", "-u", "a").VerifierCheck);
    }

    [Fact]
    public void Supported_version_is_the_deprecated_spelling_of_agent_api_version()
    {
        Assert.Equal("1.0", Parse("-u", "a", "--supported-version", "1.0").AgentApiVersion);
    }

    [Fact]
    public void Mb_policy_and_mb_refstate_are_the_same_option()
    {
        Assert.Equal("x.json", Parse("-c", "addmbpolicy", "--mb-policy", "x.json", "--mb-policy-name", "n").MbPolicy);
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_keylime_verb_is_accepted(string verb)
    {
        var args = verb == TenantVerbs.AddRuntimePolicy
            ? new[] { "-c", verb, "--runtime-policy", "p.json", "--runtime-policy-name", "n" }
            : new[] { "-c", verb };
        Assert.Equal(verb, Parse(args).Command);
    }

    public static TheoryData<string> Verbs() => new(TenantVerbs.All);

    [Theory]
    [InlineData("regstatusx")]
    [InlineData("addallowlist")]
    [InlineData("")]
    public void An_unknown_verb_is_a_usage_error(string verb)
    {
        var parsed = TenantCommandLine.Parse(["-c", verb]);

        Assert.Equal($"Invalid command specified: {verb}", parsed.UsageError);
    }

    [Theory]
    [InlineData("bad/id")]
    [InlineData("a b")]
    [InlineData("id\n")]
    public void An_agent_id_outside_word_dot_dash_is_refused(string id)
    {
        Assert.Equal("The agent ID set via agent uuid parameter use invalid characters", TenantCommandLine.Parse(["-u", id]).UsageError);
    }

    [Fact]
    public void Adding_a_runtime_policy_needs_the_policy_file()
    {
        Assert.Contains("--runtime-policy is required", TenantCommandLine.Parse(["-c", "addruntimepolicy", "--runtime-policy-name", "n"]).UsageError);
    }

    [Fact]
    public void A_runtime_policy_checksum_needs_the_policy_file()
    {
        Assert.Contains("--runtime-policy-checksum must have --runtime-policy", TenantCommandLine.Parse(["-u", "a", "--runtime-policy-checksum", "00"]).UsageError);
    }

    [Fact]
    public void Unknown_options_are_usage_errors()
    {
        Assert.NotNull(TenantCommandLine.Parse(["-c", "add", "--cert", "default"]).UsageError);
    }

    [Fact]
    public void An_argument_starting_with_at_is_literal_not_a_response_file()
    {
        Assert.Equal("@name", Parse("-c", "showruntimepolicy", "--runtime-policy-name", "@name").RuntimePolicyName);
    }
}
