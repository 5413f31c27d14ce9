using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// JA3 and JA3S (salesforce/ja3): MD5 over comma-separated fields of decimal values joined by '-', GREASE
/// values (RFC 8701) removed. JA3: <c>SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats</c>;
/// JA3S: <c>SSLVersion,Cipher,Extensions</c>.
/// </summary>
public static class Ja3
{
    public static string ClientString(TlsHello hello)
    {
        var sb = new StringBuilder();
        sb.Append(hello.LegacyVersion.ToString(CultureInfo.InvariantCulture)).Append(',');
        Join(sb, hello.CipherSuites);
        sb.Append(',');
        Join(sb, hello.Extensions);
        sb.Append(',');
        Join(sb, hello.SupportedGroups);
        sb.Append(',');
        for (int i = 0; i < hello.PointFormats.Count; i++)
        {
            sb.Append(i == 0 ? "" : "-").Append(hello.PointFormats[i].ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    public static string ServerString(TlsHello hello)
    {
        var sb = new StringBuilder();
        sb.Append(hello.LegacyVersion.ToString(CultureInfo.InvariantCulture)).Append(',');
        Join(sb, hello.CipherSuites);
        sb.Append(',');
        Join(sb, hello.Extensions);
        return sb.ToString();
    }

    public static string Hash(string ja3String) => Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(ja3String)));

    private static void Join(StringBuilder sb, List<ushort> values)
    {
        bool first = true;
        foreach (ushort v in values)
        {
            if (TlsHelloParser.IsGrease(v))
            {
                continue;
            }

            sb.Append(first ? "" : "-").Append(v.ToString(CultureInfo.InvariantCulture));
            first = false;
        }
    }
}
