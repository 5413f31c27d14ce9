using System.Text;
using Sniffer.Hashing;

namespace Sniffer.Caching;

public enum DigestAlgorithm : byte
{
    Md5 = 1,
    Sha256 = 2,
}

/// <summary>
/// Per-thread memo of fingerprint digests (JA3/JA3S and HASSH: MD5; JA4: SHA-256): the inputs — cipher, extension
/// and algorithm lists — repeat across the flows of one client software, so most flows find their hex digest here
/// instead of hashing again, and share one string. Direct-mapped and bounded; a hit compares the whole input.
/// </summary>
public static class DigestCache
{
    /// <summary>Slots per thread (a power of two).</summary>
    public const int Slots = 512;
    /// <summary>Longer inputs are hashed every time and not kept.</summary>
    public const int MaxInput = 4096;

    private sealed class Entry
    {
        public required ulong Hash;
        public required DigestAlgorithm Algorithm;
        public required byte[] Input;
        public required string Hex;
    }

    [ThreadStatic]
    private static Entry?[]? t_entries;

    /// <summary>Lowercase hex of the digest of <paramref name="input"/>.</summary>
    public static string Hex(DigestAlgorithm algorithm, ReadOnlySpan<byte> input)
    {
        var entries = t_entries ??= new Entry?[Slots];
        ulong hash = FastHash.Compute(input, (ulong)algorithm);
        ref var entry = ref entries[(int)(hash & (Slots - 1))];
        if (entry is { } e && e.Hash == hash && e.Algorithm == algorithm && input.SequenceEqual(e.Input))
        {
            return e.Hex;
        }

        Span<byte> digest = stackalloc byte[Sha256.HashSize];
        int size;
        if (algorithm == DigestAlgorithm.Md5)
        {
            Md5.HashData(input, digest);
            size = Md5.HashSize;
        }
        else
        {
            Sha256.HashData(input, digest);
            size = Sha256.HashSize;
        }

        string hex = Hashing.Hex.ToStringLower(digest[..size]);
        if (input.Length <= MaxInput)
        {
            entry = new Entry { Hash = hash, Algorithm = algorithm, Input = input.ToArray(), Hex = hex };
        }

        return hex;
    }

    /// <summary>Lowercase hex of the digest of an ASCII string.</summary>
    public static string Hex(DigestAlgorithm algorithm, string ascii)
    {
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.ASCII.GetMaxByteCount(ascii.Length));
        int n = Encoding.ASCII.GetBytes(ascii, rented);
        string hex = Hex(algorithm, rented.AsSpan(0, n));
        System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        return hex;
    }
}
