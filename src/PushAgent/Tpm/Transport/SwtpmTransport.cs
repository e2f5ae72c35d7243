using System.Buffers.Binary;
using System.Net.Sockets;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// swtpm's TCP data socket with the TPM_SEND_COMMAND framing (spec/tpm.md §9.2): send u32 8,
/// u8 locality, u32 length, command; receive u32 length, response, u32 0. The control socket
/// (port + 1) speaks swtpm's own protocol and is never touched here.
/// </summary>
/// <remarks>
/// swtpm serves one connection at a time and has no resource manager, so transient handles
/// survive a disconnect. Each command therefore uses its own short connection: holding one open
/// would lock every other client (tpm2-tools, a second agent process) out of the TPM. We close
/// without TPM_SESSION_END, which swtpm would take for a partial command.
/// </remarks>
public sealed class SwtpmTransport : ITpmTransport
{
    private const uint TpmSendCommand = 8;
    private const int MaxResponse = 1 << 16;
    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan _timeout;

    public SwtpmTransport(string host, int port, TimeSpan? timeout = null)
    {
        _host = host;
        _port = port;
        _timeout = timeout ?? TimeSpan.FromSeconds(60);
    }

    public string Description => $"swtpm {_host}:{_port}";

    public byte[] Transmit(ReadOnlySpan<byte> command)
    {
        try
        {
            using var client = new TcpClient { NoDelay = true };
            client.ReceiveTimeout = client.SendTimeout = (int)_timeout.TotalMilliseconds;
            client.Connect(_host, _port);
            using var stream = client.GetStream();
            var frame = new byte[9 + command.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, TpmSendCommand);
            frame[4] = 0; // locality 0
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)command.Length);
            command.CopyTo(frame.AsSpan(9));
            stream.Write(frame);

            var header = new byte[4];
            stream.ReadExactly(header);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length is < 10 or > MaxResponse)
            {
                throw new TpmTransportException($"{Description}: implausible response length {length}");
            }

            var response = new byte[length];
            stream.ReadExactly(response);
            stream.ReadExactly(header); // the trailing u32 acknowledgement (0)
            return response;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new TpmTransportException($"{Description}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
    }
}
