using System.Runtime.InteropServices;
using CsCheck;
using Keylime.Shared.Ima;

namespace Keylime.Shared.Tests.Ima;

/// <summary>The policy table's path hash: the same on every CPU, seed-dependent, sensitive to every bit.</summary>
public class PathHashTests
{
    [Fact]
    public void The_mix_is_the_folded_128_bit_product_with_or_without_bmi2()
    {
        Gen.Select(Gen.ULong, Gen.ULong).Sample(
            (x, y) =>
            {
                var product = (UInt128)x * y;
                var expected = (ulong)(product >> 64) ^ (ulong)product;
                Assert.Equal(expected, PathHash.Mix(x, y));
                Assert.Equal(expected, PathHash.MixPortable(x, y));
            },
            iter: 10_000);
    }

    [Fact]
    public void Flipping_any_bit_of_a_path_of_any_length_changes_its_hash()
    {
        for (var length = 0; length <= 80; length++)
        {
            var bytes = new byte[length];
            new Random(length).NextBytes(bytes);
            var hashes = new HashSet<ulong> { PathHash.Of(bytes, 42) };
            for (var bit = 0; bit < length * 8; bit++)
            {
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.True(hashes.Add(PathHash.Of(bytes, 42)), $"length {length}, bit {bit}");
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
            }
        }
    }

    [Fact]
    public void The_seed_changes_the_hash_and_similar_paths_spread_over_the_slots()
    {
        var path = MemoryMarshal.AsBytes("/usr/lib/x86_64-linux-gnu/libc.so.6".AsSpan()).ToArray();
        Assert.NotEqual(PathHash.Of(path, 1), PathHash.Of(path, 2));

        // 100,000 paths differing in a few digits: their low 18 bits (the slot of a 2^18 table) and their tags barely collide.
        var slots = new int[1 << 18];
        var tags = new HashSet<uint>();
        for (var i = 0; i < 100_000; i++)
        {
            var bytes = MemoryMarshal.AsBytes($"/usr/lib/x86_64-linux-gnu/package-{i % 997}/lib{i}.so.{i % 7}".AsSpan());
            var hash = PathHash.Of(bytes, 7);
            slots[(int)hash & (slots.Length - 1)]++;
            tags.Add((uint)(hash >> 32));
        }

        Assert.True(slots.Max() <= 8, $"fullest slot has {slots.Max()} paths");
        Assert.True(tags.Count >= 99_990, $"{100_000 - tags.Count} tag collisions");
    }
}
