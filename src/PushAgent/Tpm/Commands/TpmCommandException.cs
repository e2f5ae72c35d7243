using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// A TPM command that the TPM answered with a non-zero response code, e.g.
/// "TPM2_Quote failed: TPM_RC_SCHEME (parameter 2), 0x2d2".
/// </summary>
public sealed class TpmCommandException : Exception
{
    public TpmCommandException(uint commandCode, uint responseCode)
        : base($"TPM2_{Tpm2Cc.Name(commandCode)} failed: {new TpmResponseCode(responseCode)}")
    {
        CommandCode = commandCode;
        ResponseCode = new TpmResponseCode(responseCode);
    }

    public TpmCommandException()
    {
    }

    public TpmCommandException(string message) : base(message)
    {
    }

    public TpmCommandException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public uint CommandCode { get; }

    public string CommandName => Tpm2Cc.Name(CommandCode);

    public TpmResponseCode ResponseCode { get; }
}

/// <summary>The TPM could not be reached or broke the framing (closed socket, short read, bad size).</summary>
public sealed class TpmTransportException : Exception
{
    public TpmTransportException()
    {
    }

    public TpmTransportException(string message) : base(message)
    {
    }

    public TpmTransportException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
