using System.Security.Cryptography;
using Keylime.Shared.Ima;

namespace Keylime.EndToEnd.Support;

/// <summary>
/// IMA measurements as the kernel makes them (ima-ng template): the ascii log line (with the SHA-1
/// template hash) and the values it extends into PCR 10 of the SHA-1 and SHA-256 banks.
/// </summary>
public sealed record ImaMeasurement(string Line, string Sha1Extend, string Sha256Extend)
{
    /// <summary>The tpm2_pcrextend argument that measures this entry into PCR 10, as the kernel would.</summary>
    public string PcrExtendArgument => $"10:sha1={Sha1Extend},sha256={Sha256Extend}";

    public static ImaMeasurement ForFile(string path, byte[] content)
    {
        var fileDigest = Convert.ToHexStringLower(SHA256.HashData(content));
        var draft = $"10 {new string('0', 40)} ima-ng sha256:{fileDigest} {path}";
        if (!ImaLineParser.TryParse(draft, out var entry, out var error))
        {
            throw new InvalidOperationException(error);
        }

        var template = new byte[ImaTemplateData.MaxSize(entry)];
        if (!ImaTemplateData.TryBuild(entry, template, out var written))
        {
            throw new InvalidOperationException("ima-ng template does not fit");
        }

        var data = template.AsSpan(0, written);
#pragma warning disable CA5350 // IMA's ascii log and PCR 10's SHA-1 bank use SHA-1 by definition
        var sha1 = Convert.ToHexStringLower(SHA1.HashData(data));
#pragma warning restore CA5350
        return new ImaMeasurement($"10 {sha1} ima-ng sha256:{fileDigest} {path}", sha1, Convert.ToHexStringLower(SHA256.HashData(data)))
        {
            FileDigest = fileDigest,
        };
    }

    public string FileDigest { get; private init; } = "";

    /// <summary>A Keylime runtime policy (format 1) allowing exactly these files.</summary>
    public static string RuntimePolicy(params (string Path, ImaMeasurement Measurement)[] allowed)
    {
        var digests = string.Join(", ", allowed.Select(a => $"\"{a.Path}\": [\"{a.Measurement.FileDigest}\"]"));
        return "{\"meta\": {\"version\": 1, \"generator\": 3}, \"release\": 0, \"digests\": {" + digests + "}, " +
               "\"excludes\": [], \"keyrings\": {}, \"ima\": {\"ignored_keyrings\": [], \"log_hash_alg\": \"sha1\", \"dm_policy\": null}, " +
               "\"ima-buf\": {}, \"verification-keys\": \"\"}";
    }
}
