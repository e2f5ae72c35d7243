using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// A Linux TPM character device (spec/tpm.md §9.1): one write of the whole command, one read of
/// the whole response. <c>/dev/tpmrm0</c> virtualises transient handles per open descriptor, so
/// the descriptor stays open for the life of the agent.
/// </summary>
public sealed class DeviceTransport : ITpmTransport
{
    private const int MaxResponse = 8192;
    private readonly FileStream _device;
    private readonly byte[] _buffer = new byte[MaxResponse];

    public DeviceTransport(string path)
    {
        Path = path;
        try
        {
            _device = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TpmTransportException(
                $"cannot open TPM device {path}: {e.Message} (the agent needs read/write access, usually the tss group)", e);
        }
    }

    public string Path { get; }

    public string Description => $"device {Path}";

    public byte[] Transmit(ReadOnlySpan<byte> command)
    {
        try
        {
            _device.Write(command);
            var read = _device.Read(_buffer);
            if (read < 10)
            {
                throw new TpmTransportException($"{Description}: short response ({read} bytes)");
            }

            return _buffer.AsSpan(0, read).ToArray();
        }
        catch (IOException e)
        {
            throw new TpmTransportException($"{Description}: {e.Message}", e);
        }
    }

    public void Dispose() => _device.Dispose();
}
