using System.Buffers.Binary;
using System.Numerics;

namespace Sniffer.Caching;

/// <summary>A fast 64-bit non-cryptographic hash of a byte span (cache slots; every hit is verified byte for byte).</summary>
internal static class FastHash
{
    private const ulong Prime1 = 0x9E3779B97F4A7C15UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;

    public static ulong Compute(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        ulong h = seed ^ ((ulong)data.Length * Prime1);
        while (data.Length >= 8)
        {
            h = BitOperations.RotateLeft(h ^ (BinaryPrimitives.ReadUInt64LittleEndian(data) * Prime2), 31) * Prime1;
            data = data[8..];
        }

        if (data.Length > 0)
        {
            ulong tail = 0;
            for (int i = 0; i < data.Length; i++)
            {
                tail |= (ulong)data[i] << (8 * i);
            }

            h = BitOperations.RotateLeft(h ^ (tail * Prime2), 31) * Prime1;
        }

        h ^= h >> 33;
        h *= Prime2;
        return h ^ (h >> 29);
    }
}
