// IMA template hashes are SHA-1 by protocol.
#pragma warning disable CA5350
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Keylime.Shared.Ima;
using Keylime.TestSupport;

namespace Keylime.Shared.Tests.Ima;

/// <summary>Fixture access and an independent builder of IMA lines, written from spec §1.3 (not from the library).</summary>
internal static class ImaTestData
{
    public static string Log(string name) => File.ReadAllText(SharedData.Path("data", "ima", name));

    public static string Key(string name) => File.ReadAllText(SharedData.Path("data", "ima", "keys", name));

    public static readonly TimeProvider Time = TimeProvider.System;

    public static RuntimePolicy PolicyFor(string log, ImaHashAlgorithm logHashAlg = ImaHashAlgorithm.Sha1, Action<RuntimePolicyDocument>? edit = null)
    {
        var document = RuntimePolicyConverter.FromImaLog(log, logHashAlg, Time);
        edit?.Invoke(document);
        return Compile(document);
    }

    public static RuntimePolicy Compile(RuntimePolicyDocument document)
    {
        var loaded = RuntimePolicy.Compile(document);
        Assert.True(loaded.Succeeded, loaded.Error);
        return loaded.Policy!;
    }

    public static RuntimePolicy EmptyGenerator3Policy(Action<RuntimePolicyDocument>? edit = null)
    {
        var document = RuntimePolicyDocument.Empty();
        document.Generator = 3;
        edit?.Invoke(document);
        return Compile(document);
    }

    /// <summary>Template data of an ima-ng / ima-sig / ima-buf entry (d-ng, n-ng, optional sig/buf).</summary>
    public static byte[] TemplateData(string alg, byte[] digest, string name, byte[]? extra)
    {
        var data = new List<byte>();
        void U32(int v)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, v);
            data.AddRange(b);
        }

        U32(alg.Length + 2 + digest.Length);
        data.AddRange(Encoding.ASCII.GetBytes(alg));
        data.Add((byte)':');
        data.Add(0);
        data.AddRange(digest);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        U32(nameBytes.Length + 1);
        data.AddRange(nameBytes);
        data.Add(0);
        if (extra is not null)
        {
            U32(extra.Length);
            data.AddRange(extra);
        }

        return [.. data];
    }

    public static string Line(string template, string alg, byte[] digest, string name, byte[]? extra = null, string pcr = "10")
    {
        var templateHash = SHA1.HashData(TemplateData(alg, digest, name, template == "ima-ng" ? null : extra ?? []));
        var line = $"{pcr} {Hex(templateHash)} {template} {alg}:{Hex(digest)} {name}";
        return template == "ima-ng" ? line : $"{line} {Hex(extra ?? [])}";
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>Replays lines independently: PCR := H_bank(PCR || H_bank(template)), violations extend 0xFF.</summary>
    public static byte[] ReferenceReplay(IEnumerable<string> lines, HashAlgorithmName bank)
    {
        using var hash = IncrementalHash.CreateHash(bank);
        var pcr = new byte[hash.HashLengthInBytes];
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            var parts = line.Split(' ');
            byte[] contribution;
            if (parts[1].Trim('0').Length == 0)
            {
                contribution = Enumerable.Repeat((byte)0xFF, pcr.Length).ToArray();
            }
            else
            {
                var algAndDigest = parts[3].Split(':');
                byte[]? extra = parts[2] == "ima-ng" ? null : Convert.FromHexString(parts[5]);
                hash.AppendData(TemplateData(algAndDigest[0], Convert.FromHexString(algAndDigest[1]), parts[4], extra));
                contribution = hash.GetHashAndReset();
            }

            hash.AppendData(pcr);
            hash.AppendData(contribution);
            pcr = hash.GetHashAndReset();
        }

        return pcr;
    }

    public static ImaReplayResult Replay(
        RuntimePolicy policy, string entries, byte[] quoted, ImaHashAlgorithm bank = ImaHashAlgorithm.Sha256,
        Func<ImaReplayRequest, ImaReplayRequest>? edit = null)
    {
        var request = new ImaReplayRequest { Entries = entries, Bank = bank, QuotedPcr10 = quoted };
        return ImaLog.Replay(policy, edit is null ? request : edit(request));
    }
}
