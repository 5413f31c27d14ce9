using System.Buffers;
using System.Text;
using Sniffer.Hashing;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// JA3 and JA3S (salesforce/ja3): MD5 over comma-separated fields of decimal values joined by '-', GREASE
/// values (RFC 8701) removed. JA3: <c>SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats</c>;
/// JA3S: <c>SSLVersion,Cipher,Extensions</c>.
/// </summary>
public static class Ja3
{
    [ThreadStatic]
    private static StringBuilder? t_builder;

    private static StringBuilder Builder()
    {
        var sb = t_builder ??= new StringBuilder(256);
        sb.Clear();
        return sb;
    }

    public static string ClientString(TlsHello hello)
    {
        var sb = Builder();
        sb.Append(hello.LegacyVersion).Append(',');
        Join(sb, hello.CipherSuites);
        sb.Append(',');
        Join(sb, hello.Extensions);
        sb.Append(',');
        Join(sb, hello.SupportedGroups);
        sb.Append(',');
        for (int i = 0; i < hello.PointFormats.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('-');
            }

            sb.Append(hello.PointFormats[i]);
        }

        return sb.ToString();
    }

    public static string ServerString(TlsHello hello)
    {
        var sb = Builder();
        sb.Append(hello.LegacyVersion).Append(',');
        Join(sb, hello.CipherSuites);
        sb.Append(',');
        Join(sb, hello.Extensions);
        return sb.ToString();
    }

    /// <summary>MD5 of the string, 32 lowercase hex digits.</summary>
    public static string Hash(string ja3String)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.ASCII.GetMaxByteCount(ja3String.Length));
        Span<byte> digest = stackalloc byte[Md5.HashSize];
        int n = Encoding.ASCII.GetBytes(ja3String, rented);
        Md5.HashData(rented.AsSpan(0, n), digest);
        ArrayPool<byte>.Shared.Return(rented);
        return Hex.ToStringLower(digest);
    }

    private static void Join(StringBuilder sb, List<ushort> values)
    {
        bool first = true;
        foreach (ushort v in values)
        {
            if (TlsHelloParser.IsGrease(v))
            {
                continue;
            }

            if (!first)
            {
                sb.Append('-');
            }

            sb.Append(v);
            first = false;
        }
    }
}
