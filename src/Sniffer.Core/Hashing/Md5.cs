using System.Buffers.Binary;
using System.Numerics;

namespace Sniffer.Hashing;

/// <summary>MD5 (RFC 1321) of a short input, in managed code (JA3, JA3S, HASSH); see <see cref="Sha1"/> for why.</summary>
public static class Md5
{
    public const int HashSize = 16;

    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashSize);
        var state = new State { A = 0x67452301u, B = 0xefcdab89u, C = 0x98badcfeu, D = 0x10325476u };
        MerkleDamgard.Process<Compression, State>(ref state, source, bigEndianLength: false);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, state.A);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], state.B);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], state.C);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], state.D);
    }

    private readonly struct Compression : IBlockCompression<State>
    {
        public static void Compress(ref State state, ReadOnlySpan<byte> block) => Block(ref state, block);
    }

    private struct State
    {
        public uint A, B, C, D;
    }

    // Unrolled (generated): the 64 steps with their constants and shifts inline.
    private static void Block(ref State state, ReadOnlySpan<byte> block)
    {
        block = block[..64];
        uint m0 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(0, 4));
        uint m1 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(4, 4));
        uint m2 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(8, 4));
        uint m3 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(12, 4));
        uint m4 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(16, 4));
        uint m5 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(20, 4));
        uint m6 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(24, 4));
        uint m7 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(28, 4));
        uint m8 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(32, 4));
        uint m9 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(36, 4));
        uint m10 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(40, 4));
        uint m11 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(44, 4));
        uint m12 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(48, 4));
        uint m13 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(52, 4));
        uint m14 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(56, 4));
        uint m15 = BinaryPrimitives.ReadUInt32LittleEndian(block.Slice(60, 4));
        uint a = state.A, b = state.B, c = state.C, d = state.D;
        a = b + BitOperations.RotateLeft(a + ((b & c) | (~b & d)) + 0xd76aa478u + m0, 7);
        d = a + BitOperations.RotateLeft(d + ((a & b) | (~a & c)) + 0xe8c7b756u + m1, 12);
        c = d + BitOperations.RotateLeft(c + ((d & a) | (~d & b)) + 0x242070dbu + m2, 17);
        b = c + BitOperations.RotateLeft(b + ((c & d) | (~c & a)) + 0xc1bdceeeu + m3, 22);
        a = b + BitOperations.RotateLeft(a + ((b & c) | (~b & d)) + 0xf57c0fafu + m4, 7);
        d = a + BitOperations.RotateLeft(d + ((a & b) | (~a & c)) + 0x4787c62au + m5, 12);
        c = d + BitOperations.RotateLeft(c + ((d & a) | (~d & b)) + 0xa8304613u + m6, 17);
        b = c + BitOperations.RotateLeft(b + ((c & d) | (~c & a)) + 0xfd469501u + m7, 22);
        a = b + BitOperations.RotateLeft(a + ((b & c) | (~b & d)) + 0x698098d8u + m8, 7);
        d = a + BitOperations.RotateLeft(d + ((a & b) | (~a & c)) + 0x8b44f7afu + m9, 12);
        c = d + BitOperations.RotateLeft(c + ((d & a) | (~d & b)) + 0xffff5bb1u + m10, 17);
        b = c + BitOperations.RotateLeft(b + ((c & d) | (~c & a)) + 0x895cd7beu + m11, 22);
        a = b + BitOperations.RotateLeft(a + ((b & c) | (~b & d)) + 0x6b901122u + m12, 7);
        d = a + BitOperations.RotateLeft(d + ((a & b) | (~a & c)) + 0xfd987193u + m13, 12);
        c = d + BitOperations.RotateLeft(c + ((d & a) | (~d & b)) + 0xa679438eu + m14, 17);
        b = c + BitOperations.RotateLeft(b + ((c & d) | (~c & a)) + 0x49b40821u + m15, 22);
        a = b + BitOperations.RotateLeft(a + ((d & b) | (~d & c)) + 0xf61e2562u + m1, 5);
        d = a + BitOperations.RotateLeft(d + ((c & a) | (~c & b)) + 0xc040b340u + m6, 9);
        c = d + BitOperations.RotateLeft(c + ((b & d) | (~b & a)) + 0x265e5a51u + m11, 14);
        b = c + BitOperations.RotateLeft(b + ((a & c) | (~a & d)) + 0xe9b6c7aau + m0, 20);
        a = b + BitOperations.RotateLeft(a + ((d & b) | (~d & c)) + 0xd62f105du + m5, 5);
        d = a + BitOperations.RotateLeft(d + ((c & a) | (~c & b)) + 0x02441453u + m10, 9);
        c = d + BitOperations.RotateLeft(c + ((b & d) | (~b & a)) + 0xd8a1e681u + m15, 14);
        b = c + BitOperations.RotateLeft(b + ((a & c) | (~a & d)) + 0xe7d3fbc8u + m4, 20);
        a = b + BitOperations.RotateLeft(a + ((d & b) | (~d & c)) + 0x21e1cde6u + m9, 5);
        d = a + BitOperations.RotateLeft(d + ((c & a) | (~c & b)) + 0xc33707d6u + m14, 9);
        c = d + BitOperations.RotateLeft(c + ((b & d) | (~b & a)) + 0xf4d50d87u + m3, 14);
        b = c + BitOperations.RotateLeft(b + ((a & c) | (~a & d)) + 0x455a14edu + m8, 20);
        a = b + BitOperations.RotateLeft(a + ((d & b) | (~d & c)) + 0xa9e3e905u + m13, 5);
        d = a + BitOperations.RotateLeft(d + ((c & a) | (~c & b)) + 0xfcefa3f8u + m2, 9);
        c = d + BitOperations.RotateLeft(c + ((b & d) | (~b & a)) + 0x676f02d9u + m7, 14);
        b = c + BitOperations.RotateLeft(b + ((a & c) | (~a & d)) + 0x8d2a4c8au + m12, 20);
        a = b + BitOperations.RotateLeft(a + (b ^ c ^ d) + 0xfffa3942u + m5, 4);
        d = a + BitOperations.RotateLeft(d + (a ^ b ^ c) + 0x8771f681u + m8, 11);
        c = d + BitOperations.RotateLeft(c + (d ^ a ^ b) + 0x6d9d6122u + m11, 16);
        b = c + BitOperations.RotateLeft(b + (c ^ d ^ a) + 0xfde5380cu + m14, 23);
        a = b + BitOperations.RotateLeft(a + (b ^ c ^ d) + 0xa4beea44u + m1, 4);
        d = a + BitOperations.RotateLeft(d + (a ^ b ^ c) + 0x4bdecfa9u + m4, 11);
        c = d + BitOperations.RotateLeft(c + (d ^ a ^ b) + 0xf6bb4b60u + m7, 16);
        b = c + BitOperations.RotateLeft(b + (c ^ d ^ a) + 0xbebfbc70u + m10, 23);
        a = b + BitOperations.RotateLeft(a + (b ^ c ^ d) + 0x289b7ec6u + m13, 4);
        d = a + BitOperations.RotateLeft(d + (a ^ b ^ c) + 0xeaa127fau + m0, 11);
        c = d + BitOperations.RotateLeft(c + (d ^ a ^ b) + 0xd4ef3085u + m3, 16);
        b = c + BitOperations.RotateLeft(b + (c ^ d ^ a) + 0x04881d05u + m6, 23);
        a = b + BitOperations.RotateLeft(a + (b ^ c ^ d) + 0xd9d4d039u + m9, 4);
        d = a + BitOperations.RotateLeft(d + (a ^ b ^ c) + 0xe6db99e5u + m12, 11);
        c = d + BitOperations.RotateLeft(c + (d ^ a ^ b) + 0x1fa27cf8u + m15, 16);
        b = c + BitOperations.RotateLeft(b + (c ^ d ^ a) + 0xc4ac5665u + m2, 23);
        a = b + BitOperations.RotateLeft(a + (c ^ (b | ~d)) + 0xf4292244u + m0, 6);
        d = a + BitOperations.RotateLeft(d + (b ^ (a | ~c)) + 0x432aff97u + m7, 10);
        c = d + BitOperations.RotateLeft(c + (a ^ (d | ~b)) + 0xab9423a7u + m14, 15);
        b = c + BitOperations.RotateLeft(b + (d ^ (c | ~a)) + 0xfc93a039u + m5, 21);
        a = b + BitOperations.RotateLeft(a + (c ^ (b | ~d)) + 0x655b59c3u + m12, 6);
        d = a + BitOperations.RotateLeft(d + (b ^ (a | ~c)) + 0x8f0ccc92u + m3, 10);
        c = d + BitOperations.RotateLeft(c + (a ^ (d | ~b)) + 0xffeff47du + m10, 15);
        b = c + BitOperations.RotateLeft(b + (d ^ (c | ~a)) + 0x85845dd1u + m1, 21);
        a = b + BitOperations.RotateLeft(a + (c ^ (b | ~d)) + 0x6fa87e4fu + m8, 6);
        d = a + BitOperations.RotateLeft(d + (b ^ (a | ~c)) + 0xfe2ce6e0u + m15, 10);
        c = d + BitOperations.RotateLeft(c + (a ^ (d | ~b)) + 0xa3014314u + m6, 15);
        b = c + BitOperations.RotateLeft(b + (d ^ (c | ~a)) + 0x4e0811a1u + m13, 21);
        a = b + BitOperations.RotateLeft(a + (c ^ (b | ~d)) + 0xf7537e82u + m4, 6);
        d = a + BitOperations.RotateLeft(d + (b ^ (a | ~c)) + 0xbd3af235u + m11, 10);
        c = d + BitOperations.RotateLeft(c + (a ^ (d | ~b)) + 0x2ad7d2bbu + m2, 15);
        b = c + BitOperations.RotateLeft(b + (d ^ (c | ~a)) + 0xeb86d391u + m9, 21);
        state.A += a;
        state.B += b;
        state.C += c;
        state.D += d;
    }
}
