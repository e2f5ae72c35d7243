using System.Security.Cryptography;
using CsCheck;
using Keylime.Shared.Ima;

namespace Keylime.Shared.Tests.Ima;

/// <summary>
/// The runtime policy's path table answers exactly as a dictionary of the policy's strings with
/// Keylime's comparison (ordinal path, digest hex equal ignoring case): every path and digest is
/// found, near misses are not, collisions and several digests per path are handled.
/// </summary>
public class PolicyPathTableTests
{
    /// <summary>Keeps only bit 0 of the slot index and bit 32 of the tag: 100 paths share two slots' worth of probes and two tags.</summary>
    private const ulong CollidingMask = 0x0000_0001_0000_0001;

    [Fact]
    public void Every_path_is_found_with_each_of_its_digests_and_its_own_strings()
    {
        var map = RandomMap(20_000, seed: 1);
        var table = PolicyPathTable.Build(map);

        Assert.Equal(map.Count, table.Count);
        foreach (var (path, digests) in map)
        {
            foreach (var digest in digests)
            {
                Assert.Equal(PathMatch.Listed, table.Match(path, Convert.FromHexString(digest)));
            }

            Assert.True(table.TryGetAllowed(path, out var allowed));
            Assert.Equal(digests, allowed);
        }
    }

    [Fact]
    public void Near_miss_paths_are_missing_and_near_miss_digests_are_wrong()
    {
        var map = RandomMap(2_000, seed: 2);
        foreach (var table in new[] { PolicyPathTable.Build(map), PolicyPathTable.Build(map, CollidingMask) })
        {
            foreach (var (path, digests) in map.Take(300))
            {
                var digest = Convert.FromHexString(digests[0]);
                foreach (var near in NearMissPaths(path).Where(p => !map.ContainsKey(p)))
                {
                    Assert.Equal(PathMatch.Missing, table.Match(near, digest));
                    Assert.False(table.TryGetAllowed(near, out _));
                }

                foreach (var wrong in NearMissDigests(digest).Where(d => !digests.Contains(Convert.ToHexStringLower(d))))
                {
                    Assert.Equal(PathMatch.WrongDigest, table.Match(path, wrong));
                }
            }
        }
    }

    [Fact]
    public void Paths_that_share_slots_and_tags_are_told_apart_by_their_text()
    {
        var map = RandomMap(100, seed: 3);
        map["/a"] = [new string('1', 40)];
        map["/b"] = [new string('2', 40)];
        map["/a/"] = [new string('3', 40)];
        var table = PolicyPathTable.Build(map, CollidingMask);

        foreach (var (path, digests) in map)
        {
            Assert.Equal(PathMatch.Listed, table.Match(path, Convert.FromHexString(digests[0])));
            var other = map.First(kv => kv.Key != path && !kv.Value.Intersect(digests).Any()).Value[0];
            Assert.Equal(PathMatch.WrongDigest, table.Match(path, Convert.FromHexString(other)));
        }

        Assert.Equal(PathMatch.Missing, table.Match("/c", Convert.FromHexString(new string('1', 40))));
    }

    [Fact]
    public void Several_digests_of_any_length_and_case_are_allowed_per_path()
    {
        var sha1 = RandomNumberGenerator.GetBytes(20);
        var sha256 = RandomNumberGenerator.GetBytes(32);
        var sha512 = RandomNumberGenerator.GetBytes(64);
        var md5 = RandomNumberGenerator.GetBytes(16);
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal)
        {
            ["/usr/bin/bash"] =
            [
                Convert.ToHexStringLower(sha1), Convert.ToHexString(sha256), Convert.ToHexStringLower(sha512),
                Convert.ToHexStringLower(sha1), Convert.ToHexStringLower(md5),
            ],
        };
        var table = PolicyPathTable.Build(map);

        foreach (var digest in new[] { sha1, sha256, sha512, md5 })
        {
            Assert.Equal(PathMatch.Listed, table.Match("/usr/bin/bash", digest));
        }

        // A digest that is a prefix or an extension of a listed one is a different value.
        Assert.Equal(PathMatch.WrongDigest, table.Match("/usr/bin/bash", sha256.AsSpan(0, 20)));
        Assert.Equal(PathMatch.WrongDigest, table.Match("/usr/bin/bash", [.. sha1, 0]));
        Assert.Equal(PathMatch.WrongDigest, table.Match("/usr/bin/bash", []));
    }

    [Fact]
    public void Policy_values_that_are_not_hex_never_match_but_are_kept_for_messages()
    {
        var good = RandomNumberGenerator.GetBytes(32);
        string[] values = ["not-hex", "abc", new string('a', 130), "zz" + new string('0', 38), Convert.ToHexStringLower(good)];
        var table = PolicyPathTable.Build(new Dictionary<string, List<string>>(StringComparer.Ordinal) { ["/etc/x"] = [.. values] });

        Assert.Equal(PathMatch.Listed, table.Match("/etc/x", good));
        Assert.Equal(PathMatch.WrongDigest, table.Match("/etc/x", Convert.FromHexString(new string('a', 128))));
        Assert.True(table.TryGetAllowed("/etc/x", out var allowed));
        Assert.Equal(values, allowed);
    }

    [Fact]
    public void An_empty_policy_lists_nothing()
    {
        var table = PolicyPathTable.Build(new Dictionary<string, List<string>>(StringComparer.Ordinal));

        Assert.Equal(0, table.Count);
        Assert.Equal(PathMatch.Missing, table.Match("/usr/bin/bash", new byte[32]));
        Assert.Equal(PathMatch.Missing, table.Match("", []));
        Assert.False(table.TryGetAllowed("/usr/bin/bash", out var allowed));
        Assert.Empty(allowed);
    }

    [Fact]
    public void A_path_with_no_usable_digest_is_listed_with_the_wrong_digest()
    {
        var table = PolicyPathTable.Build(new Dictionary<string, List<string>>(StringComparer.Ordinal) { ["/x"] = [], ["/y"] = ["nothex"] });

        Assert.Equal(PathMatch.WrongDigest, table.Match("/x", new byte[20]));
        Assert.Equal(PathMatch.WrongDigest, table.Match("/y", new byte[20]));
    }

    [Fact]
    public void Paths_compare_ordinally_whatever_their_length_or_characters()
    {
        string[] paths =
        [
            "", "/", "a", "/tmp/é", "/tmp/e\u0301", "/tmp/\uD800", "/tmp/\uFFFD", "/TMP/É", "/tmp/日本語", "/tmp/with space", "/tmp/nul\0x",
            "/" + new string('x', 4095), "/" + new string('x', 4094), "/" + new string('x', 15), "/" + new string('x', 16), "/" + new string('x', 17),
        ];
        var map = paths.Select((p, i) => (p, i)).ToDictionary(t => t.p, t => new List<string> { Hex(t.i) }, StringComparer.Ordinal);
        var table = PolicyPathTable.Build(map);

        for (var i = 0; i < paths.Length; i++)
        {
            for (var j = 0; j < paths.Length; j++)
            {
                Assert.Equal(i == j ? PathMatch.Listed : PathMatch.WrongDigest, table.Match(paths[i], Convert.FromHexString(Hex(j))));
            }
        }
    }

    [Fact]
    public void Random_policies_and_queries_answer_as_a_dictionary_with_case_insensitive_hex()
    {
        var gen = from count in Gen.Int[0, 40]
                  from seed in Gen.Int
                  from colliding in Gen.Bool
                  from queries in Gen.Int[0, 1_000_000].Array[1, 30]
                  select (count, seed, colliding, queries);
        gen.Sample(
            c =>
            {
                var map = RandomMap(c.count, c.seed, digestsPerPath: 3, shortPaths: true);
                var table = c.colliding ? PolicyPathTable.Build(map, CollidingMask) : PolicyPathTable.Build(map);
                var keys = map.Keys.ToArray();
                foreach (var q in c.queries)
                {
                    var path = keys.Length > 0 && q % 3 != 0 ? keys[q % keys.Length] : "/p" + (q % 50);
                    var hex = map.Values.SelectMany(v => v).Concat([Hex(q)]).ElementAt(q % (map.Values.Sum(v => v.Count) + 1));
                    var hexUpper = q % 2 == 0 ? hex.ToUpperInvariant() : hex;
                    Assert.Equal(Reference(map, path, hexUpper), table.Match(path, Convert.FromHexString(hexUpper)));
                }
            },
            iter: 10_000);
    }

    private static PathMatch Reference(Dictionary<string, List<string>> map, string path, string hex) =>
        !map.TryGetValue(path, out var list) ? PathMatch.Missing
        : list.Any(d => d.Length == hex.Length && d.Equals(hex, StringComparison.OrdinalIgnoreCase)) ? PathMatch.Listed
        : PathMatch.WrongDigest;

    private static string Hex(int value) => Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(value)));

    private static Dictionary<string, List<string>> RandomMap(int count, int seed, int digestsPerPath = 2, bool shortPaths = false)
    {
        var random = new Random(seed);
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        while (map.Count < count)
        {
            var path = shortPaths
                ? "/p" + random.Next(50)
                : $"/usr/lib/x86_64-linux-gnu/pkg-{random.Next(1000)}/lib{random.Next()}.so.{random.Next(9)}";
            var digests = Enumerable.Range(0, random.Next(1, digestsPerPath + 1))
                .Select(_ => Convert.ToHexStringLower(RandomBytes(random, random.Next(2) == 0 ? 20 : 32)))
                .ToList();
            map.TryAdd(path, digests);
        }

        return map;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static IEnumerable<string> NearMissPaths(string path)
    {
        yield return path[..^1];
        yield return path + "x";
        yield return "x" + path;
        yield return path[1..];
        yield return path.ToUpperInvariant();
        yield return path[..^1] + (char)(path[^1] ^ 1);
        yield return (char)(path[0] ^ 1) + path[1..];
        yield return path[..(path.Length / 2)] + (char)(path[path.Length / 2] ^ 0x100) + path[((path.Length / 2) + 1)..];
    }

    private static IEnumerable<byte[]> NearMissDigests(byte[] digest)
    {
        yield return digest[..^1];
        yield return [.. digest, 0];
        for (var i = 0; i < digest.Length; i += 7)
        {
            var flipped = digest.ToArray();
            flipped[i] ^= 0x01;
            yield return flipped;
        }
    }
}
