using System.Buffers.Binary;

namespace Sniffer.Hashing;

/// <summary>The 64-byte block compression of an MD5/SHA-1/SHA-256-style hash.</summary>
internal interface IBlockCompression<TState>
    where TState : struct
{
    static abstract void Compress(ref TState state, ReadOnlySpan<byte> block);
}

/// <summary>
/// What MD5, SHA-1 and SHA-256 share (RFC 1321 §3.1–3.2, FIPS 180-4 §5.1.1): whole 64-byte blocks, then the tail
/// padded with 0x80, zeros and the message length in bits — one more block, or two when the length does not fit.
/// Generic over the compression so each hash's block function is called directly (no delegate, no allocation).
/// </summary>
internal static class MerkleDamgard
{
    public const int BlockSize = 64;

    /// <param name="bigEndianLength">SHA writes the bit length big-endian, MD5 little-endian.</param>
    public static void Process<TCompression, TState>(ref TState state, ReadOnlySpan<byte> source, bool bigEndianLength)
        where TCompression : IBlockCompression<TState>
        where TState : struct
    {
        long bitLength = (long)source.Length * 8;
        while (source.Length >= BlockSize)
        {
            TCompression.Compress(ref state, source[..BlockSize]);
            source = source[BlockSize..];
        }

        Span<byte> tail = stackalloc byte[2 * BlockSize];
        tail.Clear();
        source.CopyTo(tail);
        tail[source.Length] = 0x80;
        int tailLength = source.Length < BlockSize - 8 ? BlockSize : 2 * BlockSize;
        if (bigEndianLength)
        {
            BinaryPrimitives.WriteInt64BigEndian(tail[(tailLength - 8)..], bitLength);
        }
        else
        {
            BinaryPrimitives.WriteInt64LittleEndian(tail[(tailLength - 8)..], bitLength);
        }

        TCompression.Compress(ref state, tail[..BlockSize]);
        if (tailLength == 2 * BlockSize)
        {
            TCompression.Compress(ref state, tail[BlockSize..]);
        }
    }
}
