using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// Splits NV contents into DER certificates. Some TPMs pad an EK certificate index with trailing
/// bytes, and manufacturer CA indexes may hold several certificates back to back; each element's
/// own ASN.1 length says where it ends.
/// </summary>
public static class DerCertificates
{
    public static List<byte[]> Split(ReadOnlySpan<byte> data)
    {
        var result = new List<byte[]>();
        while (data.Length >= 2 && data[0] == 0x30)
        {
            var length = ElementLength(data);
            if (length <= 0 || length > data.Length)
            {
                break;
            }

            result.Add(data[..length].ToArray());
            data = data[length..];
        }

        return result;
    }

    /// <summary>The first DER element (the EK certificate without padding), or null if the bytes are not DER.</summary>
    public static byte[]? First(ReadOnlySpan<byte> data)
    {
        var all = Split(data);
        return all.Count > 0 ? all[0] : null;
    }

    private static int ElementLength(ReadOnlySpan<byte> data)
    {
        int first = data[1];
        if (first < 0x80)
        {
            return 2 + first;
        }

        var octets = first & 0x7F;
        if (octets is 0 or > 3 || data.Length < 2 + octets)
        {
            return -1;
        }

        var length = 0;
        for (var i = 0; i < octets; i++)
        {
            length = (length << 8) | data[2 + i];
        }

        return 2 + octets + length;
    }
}
