using Keylime.Shared.Ima;
using Keylime.TestSupport;

namespace Keylime.Shared.Tests.Ima;

/// <summary>Spec §2.2 (upload schema) and §2.6 (legacy conversions).</summary>
public class RuntimePolicyValidatorTests
{
    private static string Policy(string name) => File.ReadAllText(SharedData.Path("data", "policies", name));

    [Theory]
    [InlineData("sha1")]
    [InlineData("sha256")]
    [InlineData("sha512")]
    public void Keylime_generated_policies_are_valid(string alg)
    {
        var result = RuntimePolicyValidator.Validate(File.ReadAllText(SharedData.Path("data", "ima", "policy-" + alg)));
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
    }

    [Fact]
    public void A_digest_with_an_algorithm_prefix_is_schema_invalid_but_still_loads_for_evaluation()
    {
        var json = Policy("runtime-policy-test.json");
        var result = RuntimePolicyValidator.Validate(json);

        Assert.Contains(result.Errors, e => e.StartsWith("/digests/boot_aggregate:", StringComparison.Ordinal));
        var loaded = RuntimePolicy.Load(json);
        Assert.True(loaded.Succeeded, loaded.Error);
        Assert.True(loaded.Policy!.TryGetKeyringDigests(".ima", out _));
    }

    [Fact]
    public void A_dsse_envelope_is_validated_by_its_payload()
    {
        var result = RuntimePolicyValidator.Validate(Policy("runtime-policy-test-signed.json"));
        Assert.Contains(result.Errors, e => e.StartsWith("/digests/boot_aggregate:", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_keys_non_null_dm_policy_and_bad_regexes_are_reported()
    {
        var document = RuntimePolicyDocument.Empty();
        document.Excludes.Add("(?P<x>ok)");
        Assert.True(RuntimePolicyValidator.Validate(document.ToJson()).IsValid);

        document.Excludes.Add("[unclosed");
        var json = document.ToJson().Replace("\"dm_policy\":null", "\"dm_policy\":{}", StringComparison.Ordinal)
            .Replace("\"release\":0,", "", StringComparison.Ordinal);
        var errors = RuntimePolicyValidator.Validate(json).Errors;

        Assert.Contains("/release: required", errors);
        Assert.Contains("/ima/dm_policy: required and must be null", errors);
        var regexErrors = RuntimePolicyValidator.Validate(document.ToJson()).Errors;
        Assert.Contains(regexErrors, e => e.Contains("[unclosed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"meta\":{\"version\":1,\"generator\":9}}")]
    public void Malformed_policies_are_refused_with_reasons(string json)
    {
        var result = RuntimePolicyValidator.Validate(json);
        Assert.False(result.IsValid);
        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public void Uppercase_or_short_digests_violate_the_schema()
    {
        var document = RuntimePolicyDocument.Empty();
        document.Digests["/a"] = [new string('A', 40)];
        document.Digests["/b"] = ["abc"];
        Assert.Equal(2, RuntimePolicyValidator.Validate(document.ToJson()).Errors.Count);
    }

    [Fact]
    public void The_flat_allowlist_converts_to_digests_and_keyrings_with_excludes()
    {
        var time = new FixedTime(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var policy = RuntimePolicyConverter.FromAllowlist(Policy("ima-allowlist-short.txt"), "# comment\n\n/tmp/.*\n", time);

        Assert.Equal(3, policy.Generator);
        Assert.Equal(1, policy.MetaVersion);
        Assert.Equal(["/tmp/.*"], policy.Excludes);
        Assert.True(policy.Keyrings.ContainsKey(".ima"));
        Assert.Equal(["856ce73f0736eba033eaa18d1c90efd4b38a4a4f"], policy.Digests["/boot/loader.0/entries/ostree-2-fedora-coreos.conf"]);
        Assert.StartsWith("sha256:", policy.Digests["boot_aggregate"][0], StringComparison.Ordinal);
        Assert.Equal("2026-01-02 03:04:05.000000", policy.Timestamp);
        Assert.True(RuntimePolicy.Compile(RuntimePolicyDocument.Parse(policy.ToJson())).Succeeded);
    }

    [Fact]
    public void A_json_allowlist_maps_hashes_to_digests_and_keeps_defaults_for_ima()
    {
        const string old = """{"meta":{"version":5},"release":2,"hashes":{"/bin/a":["aa"]},"ima":{"ignored_keyrings":["x"]}}""";
        var policy = RuntimePolicyConverter.FromAllowlist(old, null, TimeProvider.System);

        Assert.Equal(["aa"], policy.Digests["/bin/a"]);
        Assert.Equal(2, policy.Release);
        Assert.Equal(["x"], policy.IgnoredKeyrings);
        Assert.Contains("\"dm_policy\":null", policy.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_runtime_policy_is_not_accepted_as_a_json_allowlist()
    {
        Assert.Throws<FormatException>(() =>
            RuntimePolicyConverter.FromAllowlist(RuntimePolicyDocument.Empty().ToJson(), null, TimeProvider.System));
    }
}

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
