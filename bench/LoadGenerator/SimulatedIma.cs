using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.LoadGenerator;

/// <summary>
/// An incremental IMA log for one simulated agent: every cycle appends <c>ima-ng</c> entries for a
/// fixed set of files to the agent's ascii_runtime_measurements file and extends PCR 10 of the
/// software TPM with each entry's template data, as the kernel does. The agent's own
/// <see cref="Keylime.PushAgent.Evidence.ImaLog"/> then reads the file from the verifier's
/// <c>starting_offset</c>, so the verifier replays only what is new.
/// </summary>
public sealed class SimulatedIma
{
    /// <summary>The files the log measures; <see cref="RuntimePolicyJson"/> allows exactly their digests.</summary>
    private static readonly (string Path, byte[] Digest)[] Files = Enumerable.Range(0, 16)
        .Select(i => ($"/usr/bin/loadgen-tool-{i}", SHA256.HashData(Encoding.ASCII.GetBytes($"loadgen file {i}"))))
        .ToArray();

    private readonly string _path;
    private readonly ITpm _tpm;
    private int _next;

    public SimulatedIma(string path, ITpm tpm)
    {
        _path = path;
        _tpm = tpm;
        File.WriteAllText(_path, "");
    }

    public string LogPath => _path;

    /// <summary>
    /// A runtime policy (generator 2, so the verifier asks for the IMA log and PCR 10) allowing the
    /// simulated files by their SHA-256.
    /// </summary>
    public static string RuntimePolicyJson()
    {
        var digests = new JsonObject();
        foreach (var (path, digest) in Files)
        {
            digests[path] = new JsonArray(Convert.ToHexStringLower(digest));
        }

        return new JsonObject
        {
            ["meta"] = new JsonObject { ["version"] = 1, ["generator"] = 2 },
            ["release"] = 0,
            ["digests"] = digests,
            ["excludes"] = new JsonArray(),
            ["keyrings"] = new JsonObject(),
            ["ima"] = new JsonObject { ["ignored_keyrings"] = new JsonArray(), ["log_hash_alg"] = "sha1", ["dm_policy"] = null },
            ["ima-buf"] = new JsonObject(),
            ["verification-keys"] = "",
        }.ToJsonString();
    }

    /// <summary>Measures <paramref name="count"/> more files: log lines appended, PCR 10 extended in both banks.</summary>
    public void Append(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var (path, digest) = Files[_next++ % Files.Length];
            var template = TemplateData(path, digest);
#pragma warning disable CA5350 // IMA's template hash column and the SHA-1 PCR bank are SHA-1 by definition
            var templateSha1 = SHA1.HashData(template);
#pragma warning restore CA5350
            _tpm.ExtendPcr(10, TpmAlg.Sha1, templateSha1);
            _tpm.ExtendPcr(10, TpmAlg.Sha256, SHA256.HashData(template));
            text.Append(CultureInfo.InvariantCulture,
                $"10 {Convert.ToHexStringLower(templateSha1)} ima-ng sha256:{Convert.ToHexStringLower(digest)} {path}\n");
        }

        File.AppendAllText(_path, text.ToString());
    }

    /// <summary>ima-ng template data: d-ng (u32 length, "sha256:\0", digest) then n-ng (u32 length, path, NUL), lengths little-endian.</summary>
    private static byte[] TemplateData(string path, byte[] digest)
    {
        var name = Encoding.UTF8.GetBytes(path);
        var prefix = "sha256:\0"u8;
        var data = new byte[4 + prefix.Length + digest.Length + 4 + name.Length + 1];
        var span = data.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(prefix.Length + digest.Length));
        prefix.CopyTo(span[4..]);
        digest.CopyTo(span[(4 + prefix.Length)..]);
        var at = 4 + prefix.Length + digest.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)(name.Length + 1));
        name.CopyTo(span[(at + 4)..]);
        return data;
    }
}
