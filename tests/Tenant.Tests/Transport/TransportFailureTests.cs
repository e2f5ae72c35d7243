using System.Net;
using System.Net.Sockets;
using Keylime.Tenant.Tests.Support;
using Keylime.TestSupport;

namespace Keylime.Tenant.Tests.Transport;

/// <summary>Transport failures end the run with exit 1 and one line naming the server and the cause.</summary>
public class TransportFailureTests(StandInPair pair) : StandInTests(pair)
{
    [Fact]
    public async Task An_unreachable_verifier_is_one_connection_refused_line()
    {
        var closedPort = FreePort.Next();

        var result = await RunAsync(Options with { VerifierPort = closedPort }, "-c", "cvstatus", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"keylime-tenant: Cannot connect to Verifier (127.0.0.1:{closedPort}): Connection refused", Assert.Single(result.StderrLines));
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task An_unreachable_registrar_fails_add_before_the_verifier_is_contacted()
    {
        var closedPort = FreePort.Next();

        var result = await RunAsync(Options with { RegistrarPort = closedPort }, "-c", "add", "--push-model", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"keylime-tenant: Cannot connect to Registrar (127.0.0.1:{closedPort}): Connection refused", result.StderrLines[^1]);
        Assert.Empty(Verifier.Received);
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_is_a_tls_failure_line()
    {
        using var other = new TestPki("Some Other CA");

        var result = await RunAsync(Options with { TrustedServerCa = [other.CaFile] }, "-c", "cvstatus", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"keylime-tenant: TLS failure talking to Verifier (127.0.0.1:{Verifier.Port}): server certificate 'CN=server' is not trusted by trusted_server_ca (PartialChain)",
            Assert.Single(result.StderrLines));
        Assert.Empty(Verifier.Received);
    }

    [Fact]
    public async Task A_client_certificate_the_server_does_not_trust_is_a_tls_failure_line()
    {
        using var other = new TestPki("Some Other CA");

        var result = await RunAsync(Options with { ClientCert = other.ClientCertFile, ClientKey = other.ClientKeyFile }, "-c", "cvlist");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.True(
            line.StartsWith($"keylime-tenant: TLS failure talking to Verifier (127.0.0.1:{Verifier.Port}): ", StringComparison.Ordinal)
            || line == $"keylime-tenant: Verifier (127.0.0.1:{Verifier.Port}) closed the connection without answering (it may have rejected the client certificate)",
            line);
        Assert.Empty(Verifier.Received);
    }

    [Fact]
    public async Task Trusted_server_ca_all_turns_server_verification_off()
    {
        using var other = new TestPki("Some Other CA");
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(9));

        var result = await RunAsync(Options with { TrustedServerCa = ["all"] }, "-c", "cvlist");

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task A_missing_client_certificate_file_is_named()
    {
        var result = await RunAsync(Options with { ClientCert = "absent-cert.crt" }, "-c", "cvlist");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"keylime-tenant: client_cert file {Path.Combine(Pki.CvCa, "absent-cert.crt")} does not exist (tenant.conf tls_dir/client_cert)",
            Assert.Single(result.StderrLines));
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_with_one_line()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts TCP (backlog) but never speaks TLS
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var result = await RunAsync(Options with { VerifierPort = port, RequestTimeout = 1 }, "-c", "cvstatus", "-u", AgentId);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"keylime-tenant: Verifier (127.0.0.1:{port}) timed out after 1 s", Assert.Single(result.StderrLines));
    }
}
