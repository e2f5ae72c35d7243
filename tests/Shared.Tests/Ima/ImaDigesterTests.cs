using System.Security.Cryptography;
using CsCheck;
using Keylime.Shared.Ima;

namespace Keylime.Shared.Tests.Ima;

/// <summary>
/// The libcrypto fast path hashes exactly as the .NET API does, for every bank and any input
/// length, and is the one the replay uses on Linux.
/// </summary>
public class ImaDigesterTests
{
    private static readonly ImaHashAlgorithm[] Algorithms =
        [ImaHashAlgorithm.Sha1, ImaHashAlgorithm.Sha256, ImaHashAlgorithm.Sha384, ImaHashAlgorithm.Sha512];

    [Fact]
    public void On_linux_the_replay_hashes_through_libcrypto()
    {
        Assert.True(OperatingSystem.IsLinux(), "these tests run where .NET uses OpenSSL");
        foreach (var algorithm in Algorithms)
        {
            using var digester = ImaDigester.Create(algorithm);
            Assert.IsType<LibCryptoDigest>(digester);
        }
    }

    [Fact]
    public void Native_and_managed_hashes_agree_for_any_input()
    {
        var gen = from alg in Gen.Int[0, Algorithms.Length - 1].Select(i => Algorithms[i])
                  from data in Gen.Byte.Array[0, 1100]
                  select (alg, data);
        gen.Sample(
            c =>
            {
                using var native = ImaDigester.Create(c.alg);
                using var managed = ImaDigester.CreateManaged(c.alg);
                var expected = new byte[managed.Size];
                var actual = new byte[native.Size];
                managed.Hash(c.data, expected);
                native.Hash(c.data, actual);
                Assert.Equal(expected, actual);
                Assert.Equal(c.alg.HashToArray(c.data), actual);
            },
            iter: 10_000);
    }

    [Fact]
    public void Native_and_managed_extends_agree_and_equal_hash_of_the_concatenation()
    {
        var gen = from alg in Gen.Int[0, Algorithms.Length - 1].Select(i => Algorithms[i])
                  from pcr in Gen.Byte.Array[64]
                  from digest in Gen.Byte.Array[0, 130]
                  select (alg, pcr, digest);
        gen.Sample(
            c =>
            {
                using var native = ImaDigester.Create(c.alg);
                using var managed = ImaDigester.CreateManaged(c.alg);
                var viaManaged = c.pcr[..managed.Size];
                var viaNative = c.pcr[..native.Size];
                var concatenated = c.alg.HashToArray([.. viaManaged, .. c.digest]);
                managed.Extend(viaManaged, c.digest);
                native.Extend(viaNative, c.digest);
                Assert.Equal(concatenated, viaManaged);
                Assert.Equal(concatenated, viaNative);
            },
            iter: 10_000);
    }

    [Fact]
    public void Hashing_in_place_equals_hashing_the_message_whatever_follows_it()
    {
        var gen = from alg in Gen.Int[0, Algorithms.Length - 1].Select(i => Algorithms[i])
                  from message in Gen.Byte.Array[0, 700]
                  from spare in Gen.Byte.Array[ImaDigester.PaddingRoom, ImaDigester.PaddingRoom + 40]
                  from overlap in Gen.Bool
                  select (alg, message, spare, overlap);
        gen.Sample(
            c =>
            {
                var expected = c.alg.HashToArray(c.message);
                foreach (var digester in new[] { ImaDigester.Create(c.alg), ImaDigester.CreateManaged(c.alg) })
                {
                    using (digester)
                    {
                        byte[] buffer = [.. c.message, .. c.spare];

                        // Overlapping: the digest lands on the message's first bytes, as a PCR extend writes back into the PCR.
                        var destination = c.overlap && c.message.Length >= digester.Size ? buffer.AsSpan(0, digester.Size) : new byte[digester.Size];
                        digester.HashInPlace(buffer, c.message.Length, destination);
                        Assert.Equal(expected, destination.ToArray());
                    }
                }
            },
            iter: 10_000);
    }

    [Fact]
    public void Inputs_larger_than_the_no_gc_transition_limit_hash_the_same()
    {
        var data = RandomNumberGenerator.GetBytes(100_000);
        using var native = ImaDigester.Create(ImaHashAlgorithm.Sha256);
        var actual = new byte[32];
        native.Hash(data, actual);
        Assert.Equal(SHA256.HashData(data), actual);
    }

    [Fact]
    public void A_destination_shorter_than_the_digest_is_refused_not_overrun()
    {
        using var native = ImaDigester.Create(ImaHashAlgorithm.Sha512);
        var shortDestination = new byte[32];
        Assert.Throws<ArgumentOutOfRangeException>(() => native.Hash([1, 2, 3], shortDestination));
        Assert.Throws<ArgumentOutOfRangeException>(() => native.Extend(shortDestination, [1, 2, 3]));
    }
}
