using Keylime.Tenant.Agents;
using Keylime.Tenant.Transport;

namespace Keylime.Tenant.Tests.Transport;

/// <summary>Keylime's retry schedule (common/retry.retry_time) and server addressing.</summary>
public class RetryAndAddressTests
{
    [Theory]
    [InlineData(true, 2.0, 1, 2.0)]
    [InlineData(true, 2.0, 3, 8.0)]
    [InlineData(true, 0.5, 3, 0.5)]
    [InlineData(false, 2.0, 3, 2.0)]
    [InlineData(false, -1.5, 1, 1.5)]
    public void Retry_delay_is_base_to_the_tries_with_backoff_else_the_base(bool exponential, double interval, int tries, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), AgentCommands.RetryDelay(exponential, interval, tries));
    }

    [Theory]
    [InlineData("127.0.0.1", "8881", "https://127.0.0.1:8881/")]
    [InlineData("::1", "8881", "https://[::1]:8881/")]
    [InlineData("[::1]", "8881", "https://[::1]:8881/")]
    [InlineData("verifier.example", "443", "https://verifier.example/")]
    public void Servers_are_reached_over_https_with_ipv6_bracketed(string host, string port, string uri)
    {
        Assert.Equal(uri, new KeylimeServer("Verifier", host, port).BaseUri.ToString());
    }

    [Fact]
    public void Messages_name_servers_as_keylime_does()
    {
        Assert.Equal("Verifier (127.0.0.1:8881)", new KeylimeServer("Verifier", "127.0.0.1", "8881").Display);
    }
}
