using Keylime.Tenant.Policies;

namespace Keylime.Tenant.Tests.Policies;

/// <summary>The PCR policy as Keylime's tpm_util.readPolicy builds it (spec/verifier.md §4.1, §13).</summary>
public class TpmPolicyTests
{
    [Fact]
    public void No_policy_is_an_empty_mask_spelled_like_the_capture()
    {
        Assert.Equal("{\"mask\": \"0x0\"}", TpmPolicy.Read(null).ToJsonString());
    }

    [Fact]
    public void A_single_digest_is_wrapped_in_a_list_and_the_mask_follows_the_pcrs()
    {
        var policy = TpmPolicy.Read("{\"23\":\"0000000000000000000000000000000000000000000000000000000000000000\"}");

        Assert.Equal(
            "{\"23\": [\"0000000000000000000000000000000000000000000000000000000000000000\"], \"mask\": \"0x800000\"}",
            policy.ToJsonString());
    }

    [Fact]
    public void Digests_are_lower_cased_and_pcr_order_is_kept()
    {
        var policy = TpmPolicy.Read("{\"15\": [\"AA\", \"Bb\"], \"0\": \"CC\"}");

        Assert.Equal("{\"15\": [\"aa\", \"bb\"], \"0\": [\"cc\"], \"mask\": \"0x8001\"}", policy.ToJsonString());
    }

    [Theory]
    [InlineData("{\"10\": \"00\"}", "this PCR is used for IMA")]
    [InlineData("{\"16\": \"00\"}", "keylime uses this PCR to bind data")]
    [InlineData("{\"25\": \"00\"}", "Invalid tpm policy pcr number: 25")]
    [InlineData("{\"mask\": \"0x1\"}", "Invalid tpm policy pcr number: mask")]
    [InlineData("{\"-1\": \"00\"}", "Invalid tpm policy pcr number: -1")]
    [InlineData("[1]", "expected a JSON object")]
    [InlineData("{\"1\": 5}", "expected a digest")]
    [InlineData("{not json", "not JSON")]
    public void Invalid_policies_are_refused_with_keylimes_reason(string json, string reason)
    {
        Assert.Contains(reason, Assert.Throws<TenantException>(() => TpmPolicy.Read(json)).Message);
    }

    [Fact]
    public void Mask_bits_added_for_ima_and_measured_boot_do_not_add_policy_entries()
    {
        var policy = TpmPolicy.Read("{\"23\": \"00\"}");
        policy.EnableInMask(TpmPolicy.ImaPcr);

        Assert.Equal("{\"23\": [\"00\"], \"mask\": \"0x800400\"}", policy.ToJsonString());
    }

    [Fact]
    public void A_measured_boot_pcr_in_the_policy_is_refused_when_a_measured_boot_policy_is_given()
    {
        var policy = TpmPolicy.Read("{\"7\": \"00\"}");

        var e = Assert.Throws<TenantException>(() => policy.Refuse(TpmPolicy.MeasuredBootPcrs, "measured boot"));
        Assert.Contains("PCR 7 is specified in \"tpm_policy\", but will in fact be used by measured boot", e.Message);
    }
}
