using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// Carries one marshalled TPM command to a TPM and returns its complete response. Implementations
/// are not required to be thread-safe: <see cref="TpmCommands"/> keeps one command outstanding.
/// </summary>
public interface ITpmTransport : IDisposable
{
    /// <summary>Where the commands go, for logs (e.g. <c>device /dev/tpmrm0</c>).</summary>
    string Description { get; }

    byte[] Transmit(ReadOnlySpan<byte> command);
}
