using System.Buffers.Binary;
using System.Numerics;

namespace Sniffer.Hashing;

/// <summary>MD5 (RFC 1321) of a short input, in managed code (JA3, JA3S, HASSH); see <see cref="Sha1"/> for why.</summary>
public static class Md5
{
    public const int HashSize = 16;

    private static ReadOnlySpan<uint> K =>
    [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
        0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
        0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
        0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
        0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
        0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
        0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
    ];

    private static ReadOnlySpan<byte> S =>
    [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];

    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashSize);
        Span<uint> h = [0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u];
        Span<uint> m = stackalloc uint[16];
        long bitLength = (long)source.Length * 8;
        while (source.Length >= 64)
        {
            Block(h, source[..64], m);
            source = source[64..];
        }

        Span<byte> tail = stackalloc byte[128];
        tail.Clear();
        source.CopyTo(tail);
        tail[source.Length] = 0x80;
        int tailLength = source.Length < 56 ? 64 : 128;
        BinaryPrimitives.WriteInt64LittleEndian(tail[(tailLength - 8)..], bitLength);
        Block(h, tail[..64], m);
        if (tailLength == 128)
        {
            Block(h, tail[64..], m);
        }

        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(i * 4)..], h[i]);
        }
    }

    private static void Block(Span<uint> h, ReadOnlySpan<byte> block, Span<uint> m)
    {
        for (int i = 0; i < 16; i++)
        {
            m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        }

        uint a = h[0], b = h[1], c = h[2], d = h[3];
        var k = K;
        var s = S;
        for (int i = 0; i < 64; i++)
        {
            uint f;
            int g;
            if (i < 16)
            {
                f = (b & c) | (~b & d);
                g = i;
            }
            else if (i < 32)
            {
                f = (d & b) | (~d & c);
                g = ((5 * i) + 1) & 15;
            }
            else if (i < 48)
            {
                f = b ^ c ^ d;
                g = ((3 * i) + 5) & 15;
            }
            else
            {
                f = c ^ (b | ~d);
                g = (7 * i) & 15;
            }

            uint t = d;
            d = c;
            c = b;
            b += BitOperations.RotateLeft(a + f + k[i] + m[g], s[i]);
            a = t;
        }

        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
    }
}
