using System.Buffers;
using Sniffer.Caching;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// JA3 and JA3S (salesforce/ja3): MD5 over comma-separated fields of decimal values joined by '-', GREASE
/// values (RFC 8701) removed. JA3: <c>SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats</c>;
/// JA3S: <c>SSLVersion,Cipher,Extensions</c>.
/// </summary>
public static class Ja3
{
    // Every list holds at most TlsHello.MaxListEntries values of at most 5 digits and a separator.
    private const int MaxText = 8 + (5 * TlsHello.MaxListEntries * 6);

    public static string ClientString(TlsHello hello)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(MaxText);
        var d = rented.AsSpan();
        int n = Number(hello.LegacyVersion, d);
        d[n++] = (byte)',';
        n += Join(hello.CipherSuites, d[n..]);
        d[n++] = (byte)',';
        n += Join(hello.Extensions, d[n..]);
        d[n++] = (byte)',';
        n += Join(hello.SupportedGroups, d[n..]);
        d[n++] = (byte)',';
        n += Join(hello.PointFormats, d[n..]); // one byte each: never a GREASE value, so none is skipped

        string result = AsciiStringPool.Get(d[..n]);
        ArrayPool<byte>.Shared.Return(rented);
        return result;
    }

    public static string ServerString(TlsHello hello)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(MaxText);
        var d = rented.AsSpan();
        int n = Number(hello.LegacyVersion, d);
        d[n++] = (byte)',';
        n += Join(hello.CipherSuites, d[n..]);
        d[n++] = (byte)',';
        n += Join(hello.Extensions, d[n..]);
        string result = AsciiStringPool.Get(d[..n]);
        ArrayPool<byte>.Shared.Return(rented);
        return result;
    }

    /// <summary>MD5 of the string, 32 lowercase hex digits (memoised per worker: the same client gives the same string).</summary>
    public static string Hash(string ja3String) => DigestCache.Hex(DigestAlgorithm.Md5, ja3String);

    private static int Number(int value, Span<byte> destination)
    {
        value.TryFormat(destination, out int n, default, System.Globalization.CultureInfo.InvariantCulture);
        return n;
    }

    private static int Join(ReadOnlySpan<ushort> values, Span<byte> destination)
    {
        int n = 0;
        bool first = true;
        foreach (ushort v in values)
        {
            if (TlsHelloParser.IsGrease(v))
            {
                continue;
            }

            if (!first)
            {
                destination[n++] = (byte)'-';
            }

            n += Number(v, destination[n..]);
            first = false;
        }

        return n;
    }
}
