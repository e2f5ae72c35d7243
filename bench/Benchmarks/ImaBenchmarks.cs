using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;

// IMA template hashes are SHA-1 by protocol.
#pragma warning disable CA5350
using Keylime.Shared.Ima;

namespace Keylime.Benchmarks;

/// <summary>
/// IMA replay + runtime-policy check of a synthetic 100 000-entry ima-ng log (SHA-1 template
/// hashes, SHA-256 file digests, paths of realistic length), no signatures. Entries/s per core =
/// 100 000 / mean time. Also the verifier's usual case: an incremental replay of 2 new entries
/// against the same 100 000-path policy. And the one-off cost of compiling that policy (done once
/// per stored policy, then shared by every attestation that uses it).
/// </summary>
[MemoryDiagnoser]
public class ImaBenchmarks
{
    private const int Entries = 100_000;
    private string _log = "";
    private RuntimePolicyDocument _document = null!;
    private RuntimePolicy _policy = null!;
    private byte[] _pcrSha256 = [];
    private byte[] _pcrSha1 = [];
    private string _twoEntries = "";
    private byte[] _twoEntriesPcrSha256 = [];

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Entries; i++)
        {
            var digest = SHA256.HashData(BitConverter.GetBytes(i));
            var name = $"/usr/lib/x86_64-linux-gnu/package-{i % 997}/lib{i}.so.{i % 7}";
            var template = TemplateData(digest, name);
            text.Append("10 ").Append(Convert.ToHexStringLower(SHA1.HashData(template)))
                .Append(" ima-ng sha256:").Append(Convert.ToHexStringLower(digest)).Append(' ').Append(name).Append('\n');
        }

        _log = text.ToString();
        _document = RuntimePolicyConverter.FromImaLog(_log, ImaHashAlgorithm.Sha1, TimeProvider.System);
        _policy = RuntimePolicy.Compile(_document).Policy!;
        _pcrSha256 = Final(_log, ImaHashAlgorithm.Sha256);
        _pcrSha1 = Final(_log, ImaHashAlgorithm.Sha1);
        _twoEntries = string.Concat(_log.Split('\n').Take(2).Select(line => line + "\n"));
        _twoEntriesPcrSha256 = Final(_twoEntries, ImaHashAlgorithm.Sha256);
        if (!ReplaySha256().Passed || !ReplaySha1().Passed || !ReplayTwoEntriesSha256().Passed)
        {
            throw new InvalidOperationException("benchmark log does not verify");
        }
    }

    [Benchmark(Description = "IMA replay+policy 100k entries, sha256 bank")]
    public ImaReplayResult ReplaySha256() => Replay(ImaHashAlgorithm.Sha256, _pcrSha256);

    [Benchmark(Description = "IMA replay+policy 100k entries, sha1 bank")]
    public ImaReplayResult ReplaySha1() => Replay(ImaHashAlgorithm.Sha1, _pcrSha1);

    [Benchmark(Description = "IMA replay+policy 2 new entries, sha256 bank")]
    public ImaReplayResult ReplayTwoEntriesSha256() =>
        ImaLog.Replay(_policy, new ImaReplayRequest { Entries = _twoEntries, Bank = ImaHashAlgorithm.Sha256, QuotedPcr10 = _twoEntriesPcrSha256 });

    [Benchmark(Description = "IMA runtime policy compile, 100k paths")]
    public RuntimePolicy CompilePolicy() => RuntimePolicy.Compile(_document).Policy!;

    private ImaReplayResult Replay(ImaHashAlgorithm bank, byte[] quoted) =>
        ImaLog.Replay(_policy, new ImaReplayRequest { Entries = _log, Bank = bank, QuotedPcr10 = quoted });

    private static byte[] Final(string log, ImaHashAlgorithm bank)
    {
        // The quote a TPM would report after these entries, replayed independently of ImaLog.
        var pcr = new byte[bank.Size()];
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            var template = TemplateData(Convert.FromHexString(parts[3][7..]), parts[4]);
            var contribution = bank.HashToArray(template);
            bank.Extend(pcr, contribution);
        }

        return pcr;
    }

    private static byte[] TemplateData(byte[] digest, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(6 + 2 + digest.Length));
        data.AddRange("sha256:\0"u8.ToArray());
        data.AddRange(digest);
        data.AddRange(BitConverter.GetBytes(nameBytes.Length + 1));
        data.AddRange(nameBytes);
        data.Add(0);
        return [.. data];
    }
}
