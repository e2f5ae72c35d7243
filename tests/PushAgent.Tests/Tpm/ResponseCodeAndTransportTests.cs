using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Tpm;

public class ResponseCodeTests
{
    [Theory]
    [InlineData(0x18Bu, "TPM_RC_HANDLE", "handle 1")]
    [InlineData(0x9A2u, "TPM_RC_BAD_AUTH", "session 1")]
    [InlineData(0x1DAu, "TPM_RC_INSUFFICIENT", "parameter 1")]
    [InlineData(0x1DFu, "TPM_RC_INTEGRITY", "parameter 1")]
    [InlineData(0x2D2u, "TPM_RC_SCHEME", "parameter 2")]
    [InlineData(0x98Eu, "TPM_RC_AUTH_FAIL", "session 1")]
    [InlineData(0x100u, "TPM_RC_INITIALIZE", "")]
    [InlineData(0x902u, "TPM_RC_OBJECT_MEMORY", "")]
    [InlineData(0x922u, "TPM_RC_RETRY", "")]
    public void Response_codes_decode_to_their_name_and_subject(uint code, string name, string subject)
    {
        var rc = new TpmResponseCode(code);
        Assert.Equal(name, rc.Name);
        Assert.Equal(subject, rc.Subject);
        Assert.Contains($"0x{code:x3}", rc.ToString());
    }

    [Theory]
    [InlineData(0x922u, true)]
    [InlineData(0x908u, true)]
    [InlineData(0x90Au, true)]
    [InlineData(0x923u, true)]
    [InlineData(0x921u, false)]
    [InlineData(0x18Bu, false)]
    public void Only_retry_style_warnings_are_retried(uint code, bool transient) =>
        Assert.Equal(transient, new TpmResponseCode(code).IsTransient);
}

public class TctiTests
{
    [Fact]
    public void A_swtpm_tcti_selects_the_tcp_data_socket()
    {
        using var transport = Tcti.Open("swtpm:host=127.0.0.1,port=2999");
        Assert.IsType<SwtpmTransport>(transport);
        Assert.Equal("swtpm 127.0.0.1:2999", transport.Description);
    }

    [Fact]
    public void A_swtpm_tcti_without_options_uses_port_2321()
    {
        using var transport = Tcti.Open("swtpm:");
        Assert.Equal("swtpm localhost:2321", transport.Description);
    }

    [Theory]
    [InlineData("mssim:host=127.0.0.1,port=2321")]
    [InlineData("tabrmd:")]
    [InlineData("swtpm:host=127.0.0.1,port=notaport")]
    public void Unsupported_or_malformed_tctis_are_refused(string tcti) =>
        Assert.Throws<ArgumentException>(() => Tcti.Open(tcti));

    [Fact]
    public void A_device_tcti_that_cannot_be_opened_is_a_transport_error_naming_it()
    {
        var e = Assert.Throws<TpmTransportException>(() => Tcti.Open("device:/nonexistent/tpmrm9"));
        Assert.Contains("/nonexistent/tpmrm9", e.Message);
    }

    [Fact]
    public void A_device_that_answers_nothing_is_a_transport_error_not_a_hang()
    {
        // /dev/null accepts the write and reads as end-of-file: the closest stand-in for a TPM
        // character device available without one (there is no TPM device on the test machines).
        using var device = new DeviceTransport("/dev/null");
        var e = Assert.Throws<TpmTransportException>(() => device.Transmit(Convert.FromHexString("80010000000c0000017b0010")));
        Assert.Contains("short response", e.Message);
        Assert.Equal("device /dev/null", device.Description);
    }
}
