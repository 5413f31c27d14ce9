using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// JA4 (FoxIO, technical_details/JA4.md), the client fingerprint only — the other JA4+ methods are under a
/// non-permissive licence and are deliberately not implemented. <c>ja4_a</c>: protocol (t/q/d), highest
/// version, SNI d/i, cipher and extension counts (GREASE excluded), first+last character of the first ALPN;
/// <c>ja4_b</c>: SHA-256 (12 hex) of the sorted cipher list; <c>ja4_c</c>: SHA-256 (12 hex) of the sorted
/// extension list without SNI and ALPN, '_', the signature algorithms in their original order.
/// </summary>
public static class Ja4
{
    public const string Empty = "000000000000";

    public static string Compute(TlsHello hello, char protocol = 't') => Build(hello, protocol, raw: false);

    /// <summary>The raw form (ja4_r): the same parts with the lists instead of their hashes.</summary>
    public static string Raw(TlsHello hello, char protocol = 't') => Build(hello, protocol, raw: true);

    private static string Build(TlsHello hello, char protocol, bool raw)
    {
        var ciphers = hello.CipherSuites.Where(c => !TlsHelloParser.IsGrease(c)).ToList();
        var extensions = hello.Extensions.Where(e => !TlsHelloParser.IsGrease(e)).ToList();
        var a = new StringBuilder();
        a.Append(protocol);
        a.Append(Version(hello));
        a.Append(hello.Extensions.Contains(TlsHelloParser.ExtServerName) ? 'd' : 'i');
        a.Append(Math.Min(99, ciphers.Count).ToString("00", CultureInfo.InvariantCulture));
        a.Append(Math.Min(99, extensions.Count).ToString("00", CultureInfo.InvariantCulture));
        a.Append(AlpnChars(hello.FirstAlpnRaw));

        string cipherList = string.Join(',', ciphers.Order().Select(Hex4));
        string extensionList = string.Join(',', extensions.Where(e => e is not TlsHelloParser.ExtServerName and not TlsHelloParser.ExtAlpn).Order().Select(Hex4));
        string signatures = string.Join(',', hello.SignatureAlgorithms.Where(s => !TlsHelloParser.IsGrease(s)).Select(Hex4));
        string c = signatures.Length == 0 ? extensionList : extensionList + "_" + signatures;
        if (raw)
        {
            return $"{a}_{cipherList}_{c}";
        }

        return $"{a}_{(ciphers.Count == 0 ? Empty : Sha12(cipherList))}_{(extensionList.Length == 0 && signatures.Length == 0 ? Empty : Sha12(c))}";
    }

    private static string Version(TlsHello hello)
    {
        ushort v = hello.LegacyVersion;
        foreach (ushort s in hello.SupportedVersions)
        {
            if (!TlsHelloParser.IsGrease(s) && Rank(s) > Rank(v))
            {
                v = s;
            }
        }

        return v switch
        {
            0x0304 => "13",
            0x0303 => "12",
            0x0302 => "11",
            0x0301 => "10",
            0x0300 => "s3",
            0x0002 => "s2",
            0xfeff => "d1",
            0xfefd => "d2",
            0xfefc => "d3",
            _ => "00",
        };
    }

    /// <summary>Orders versions newest-last: DTLS versions count down, TLS versions count up.</summary>
    internal static int Rank(ushort v) => (v >> 8) == 0xfe ? 0x10000 - v : v;

    private static string AlpnChars(byte[]? alpn)
    {
        if (alpn is null || alpn.Length == 0)
        {
            return "00";
        }

        byte first = alpn[0], last = alpn[^1];
        if (char.IsAsciiLetterOrDigit((char)first) && char.IsAsciiLetterOrDigit((char)last))
        {
            return $"{(char)first}{(char)last}";
        }

        // Non-alphanumeric: the first and last characters of the hex of the first and last bytes.
        string hexFirst = first.ToString("x2", CultureInfo.InvariantCulture);
        string hexLast = last.ToString("x2", CultureInfo.InvariantCulture);
        return $"{hexFirst[0]}{hexLast[1]}";
    }

    private static string Hex4(ushort v) => v.ToString("x4", CultureInfo.InvariantCulture);

    private static string Sha12(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(s)))[..12];
}
