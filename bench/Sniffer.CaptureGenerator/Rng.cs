using System.Numerics;

namespace Sniffer.CaptureGenerator;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Used instead of System.Random, whose algorithm is not a compatibility
/// contract: the same seed must give the same capture on every .NET version.
/// </summary>
internal sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>An independent stream for one flow: flow N's bytes do not depend on how many flows precede it.</summary>
    public static Rng ForStream(ulong seed, ulong stream)
    {
        ulong x = seed ^ (stream * 0xD1B54A32D192ED03UL);
        return new Rng(SplitMix(ref x) ^ stream);
    }

    private static ulong SplitMix(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        ulong z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextU64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    public uint NextU32() => (uint)(NextU64() >> 32);

    /// <summary>Uniform in [0, max) (Lemire's multiply-shift; the bias is far below anything that matters here).</summary>
    public int Next(int maxExclusive) => (int)(((NextU64() >> 32) * (ulong)maxExclusive) >> 32);

    /// <summary>Uniform in [min, maxExclusive).</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    public double NextDouble() => (NextU64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Log-uniform in [min, max): many small values, a long tail (RTTs, sizes).</summary>
    public double LogUniform(double min, double max) => Math.Exp(Math.Log(min) + (NextDouble() * (Math.Log(max) - Math.Log(min))));

    public T Pick<T>(T[] items) => items[Next(items.Length)];

    public void Fill(Span<byte> destination)
    {
        while (destination.Length >= 8)
        {
            BitConverter.TryWriteBytes(destination, NextU64());
            destination = destination[8..];
        }

        if (!destination.IsEmpty)
        {
            Span<byte> last = stackalloc byte[8];
            BitConverter.TryWriteBytes(last, NextU64());
            last[..destination.Length].CopyTo(destination);
        }
    }

    public byte[] Bytes(int length)
    {
        var b = new byte[length];
        Fill(b);
        return b;
    }

    public string Hex(int bytes) => Convert.ToHexStringLower(Bytes(bytes));

    /// <summary>Lowercase alphanumeric label.</summary>
    public string Label(int length)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyz0123456789";
        Span<char> c = stackalloc char[length];
        for (int i = 0; i < length; i++)
        {
            c[i] = chars[Next(chars.Length)];
        }

        return new string(c);
    }
}
