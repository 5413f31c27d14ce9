namespace Sniffer.Output;

/// <summary>Formats Unix-epoch nanoseconds as RFC 3339 UTC with nanosecond precision, into UTF-8, without allocating.</summary>
public static class Rfc3339
{
    /// <summary>"2026-11-26T21:46:15.123456789Z".</summary>
    public const int Length = 30;

    private const int PrefixLength = 20; // "2026-11-26T21:46:15."

    // Records come in time order, many within the same second: the date and time of day are formatted once per
    // second (per thread) and copied.
    [ThreadStatic]
    private static long t_second;
    [ThreadStatic]
    private static byte[]? t_prefix;

    public static int Format(long unixNanoseconds, Span<byte> destination)
    {
        destination = destination[..Length];
        long seconds = Math.DivRem(unixNanoseconds, 1_000_000_000L, out long nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000L;
        }

        // Clamp to what DateTime can represent (hostile timestamps must not throw).
        seconds = Math.Clamp(seconds, -62135596800L, 253402300799L);
        var prefix = t_prefix;
        if (prefix is null || t_second != seconds)
        {
            prefix = t_prefix ??= new byte[PrefixLength];
            FormatPrefix(seconds, prefix);
            t_second = seconds;
        }

        prefix.CopyTo(destination);
        uint n = (uint)nanos;
        for (int i = 28; i >= 20; i--)
        {
            destination[i] = (byte)('0' + (n % 10));
            n /= 10;
        }

        destination[29] = (byte)'Z';
        return Length;
    }

    private static void FormatPrefix(long seconds, Span<byte> destination)
    {
        var dt = DateTime.UnixEpoch.AddSeconds(seconds);
        Write4(destination, dt.Year);
        destination[4] = (byte)'-';
        Write2(destination[5..], dt.Month);
        destination[7] = (byte)'-';
        Write2(destination[8..], dt.Day);
        destination[10] = (byte)'T';
        Write2(destination[11..], dt.Hour);
        destination[13] = (byte)':';
        Write2(destination[14..], dt.Minute);
        destination[16] = (byte)':';
        Write2(destination[17..], dt.Second);
        destination[19] = (byte)'.';
    }

    private static void Write2(Span<byte> d, int v)
    {
        d[0] = (byte)('0' + (v / 10));
        d[1] = (byte)('0' + (v % 10));
    }

    private static void Write4(Span<byte> d, int v)
    {
        d[0] = (byte)('0' + (v / 1000));
        d[1] = (byte)('0' + (v / 100 % 10));
        d[2] = (byte)('0' + (v / 10 % 10));
        d[3] = (byte)('0' + (v % 10));
    }
}
