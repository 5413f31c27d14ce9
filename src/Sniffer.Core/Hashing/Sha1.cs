using System.Buffers.Binary;
using System.Numerics;

namespace Sniffer.Hashing;

/// <summary>
/// SHA-1 (FIPS 180-4) of a short input, in managed code. The fingerprints and Community ID hash a few dozen to a
/// few hundred bytes per flow: going through OpenSSL (<c>System.Security.Cryptography</c>) costs more in interop,
/// error-queue clearing and digest set-up than the hashing itself, and its first use loads libssl/libcrypto,
/// which dominated start-up. Identity, not security, is asked of these hashes. Allocation-free.
/// </summary>
public static class Sha1
{
    public const int HashSize = 20;

    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashSize);
        Span<uint> h = [0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u];
        Span<uint> w = stackalloc uint[80];
        long bitLength = (long)source.Length * 8;
        while (source.Length >= 64)
        {
            Block(h, source[..64], w);
            source = source[64..];
        }

        Span<byte> tail = stackalloc byte[128];
        tail.Clear();
        source.CopyTo(tail);
        tail[source.Length] = 0x80;
        int tailLength = source.Length < 56 ? 64 : 128;
        BinaryPrimitives.WriteInt64BigEndian(tail[(tailLength - 8)..], bitLength);
        Block(h, tail[..64], w);
        if (tailLength == 128)
        {
            Block(h, tail[64..], w);
        }

        for (int i = 0; i < 5; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(i * 4)..], h[i]);
        }
    }

    private static void Block(Span<uint> h, ReadOnlySpan<byte> block, Span<uint> w)
    {
        for (int i = 0; i < 16; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(block[(i * 4)..]);
        }

        for (int i = 16; i < 80; i++)
        {
            w[i] = BitOperations.RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        }

        uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; i++)
        {
            uint f, k;
            if (i < 20)
            {
                f = (b & c) | (~b & d);
                k = 0x5A827999u;
            }
            else if (i < 40)
            {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1u;
            }
            else if (i < 60)
            {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDCu;
            }
            else
            {
                f = b ^ c ^ d;
                k = 0xCA62C1D6u;
            }

            uint t = BitOperations.RotateLeft(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = t;
        }

        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
}
