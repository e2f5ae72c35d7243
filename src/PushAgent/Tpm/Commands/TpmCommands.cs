using System.Buffers.Binary;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// The TPM 2.0 commands the agent needs, marshalled by hand (spec/tpm.md §6–7). One command is
/// outstanding at a time; warnings that mean "send it again" (RETRY, YIELDED, TESTING,
/// NV_UNAVAILABLE) are retried here, every other non-zero code becomes a
/// <see cref="TpmCommandException"/> naming the command.
/// </summary>
public sealed partial class TpmCommands : IDisposable
{
    private const int MaxRetries = 50;
    private readonly ITpmTransport _transport;
    private readonly Lock _gate = new();

    public TpmCommands(ITpmTransport transport)
    {
        _transport = transport;
    }

    public string Description => _transport.Description;

    /// <summary>
    /// Sends one command. <paramref name="handles"/> go in the handle area, one
    /// <paramref name="auths"/> entry per handle that needs authorization, then the parameters.
    /// </summary>
    public TpmResponse Execute(
        uint commandCode,
        ReadOnlySpan<uint> handles,
        ReadOnlySpan<TpmAuth> auths,
        ReadOnlySpan<byte> parameters,
        int responseHandles = 0)
    {
        var command = Marshal(commandCode, handles, auths, parameters);
        byte[] response;
        lock (_gate)
        {
            var attempt = 0;
            while (true)
            {
                response = _transport.Transmit(command);
                var rc = ResponseCodeOf(response);
                if (!new TpmResponseCode(rc).IsTransient || ++attempt > MaxRetries)
                {
                    break;
                }

                Thread.Sleep(Math.Min(10 * attempt, 200));
            }
        }

        return Unmarshal(commandCode, response, responseHandles);
    }

    public void Dispose() => _transport.Dispose();

    public static byte[] Marshal(
        uint commandCode, ReadOnlySpan<uint> handles, ReadOnlySpan<TpmAuth> auths, ReadOnlySpan<byte> parameters)
    {
        var w = new TpmWriter(64 + parameters.Length);
        w.WriteUInt16(auths.Length > 0 ? Tpm2Tag.Sessions : Tpm2Tag.NoSessions);
        w.WriteUInt32(0); // commandSize, patched below
        w.WriteUInt32(commandCode);
        foreach (var handle in handles)
        {
            w.WriteUInt32(handle);
        }

        if (auths.Length > 0)
        {
            var area = new TpmWriter();
            foreach (var auth in auths)
            {
                area.WriteUInt32(auth.SessionHandle).WriteSized([]).WriteByte(auth.Attributes).WriteSized(auth.Hmac);
            }

            w.WriteUInt32((uint)area.Length).WriteBytes(area.WrittenSpan);
        }

        w.WriteBytes(parameters);
        var bytes = w.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(2), (uint)bytes.Length);
        return bytes;
    }

    private static uint ResponseCodeOf(byte[] response)
    {
        if (response.Length < 10)
        {
            throw new TpmTransportException($"TPM response of {response.Length} bytes is shorter than its header");
        }

        return BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(6));
    }

    public static TpmResponse Unmarshal(uint commandCode, byte[] response, int responseHandles)
    {
        try
        {
            var r = new TpmReader(response);
            var tag = r.ReadUInt16();
            var size = r.ReadUInt32();
            var rc = r.ReadUInt32();
            if (size != response.Length)
            {
                throw new TpmTransportException($"TPM2_{Tpm2Cc.Name(commandCode)}: responseSize {size} but {response.Length} bytes arrived");
            }

            if (rc != 0)
            {
                throw new TpmCommandException(commandCode, rc);
            }

            var handles = new uint[responseHandles];
            for (var i = 0; i < handles.Length; i++)
            {
                handles[i] = r.ReadUInt32();
            }

            // With sessions the parameters are size-prefixed and followed by the response auth area,
            // which we do not need: password and policy sessions carry no response HMAC to check.
            var parameters = tag == Tpm2Tag.Sessions ? r.ReadBytes((int)r.ReadUInt32(), "parameter area") : r.ReadBytes(r.Remaining);
            return new TpmResponse(handles, parameters.ToArray());
        }
        catch (TpmFormatException e)
        {
            throw new TpmTransportException($"TPM2_{Tpm2Cc.Name(commandCode)}: malformed response: {e.Message}", e);
        }
    }

    private TpmResponse Run(uint commandCode, ReadOnlySpan<uint> handles, ReadOnlySpan<TpmAuth> auths, TpmWriter? parameters, int responseHandles = 0) =>
        Execute(commandCode, handles, auths, parameters is null ? [] : parameters.WrittenSpan, responseHandles);

    /// <summary>Parses a response's parameters; a malformed area becomes a transport error naming the command.</summary>
    private static T Parse<T>(uint commandCode, TpmResponse response, ParseAction<T> parse)
    {
        try
        {
            var reader = new TpmReader(response.Parameters);
            return parse(ref reader);
        }
        catch (TpmFormatException e)
        {
            throw new TpmTransportException($"TPM2_{Tpm2Cc.Name(commandCode)}: malformed response: {e.Message}", e);
        }
    }

    private delegate T ParseAction<out T>(ref TpmReader reader);
}
