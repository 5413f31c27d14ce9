using System.Buffers;
using System.Text;
using Sniffer.Hashing;

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
        // Lists are bounded by TlsHello.MaxListEntries; every entry takes 5 bytes as "xxxx,".
        const int MaxText = TlsHello.MaxListEntries * 5;
        Span<ushort> ciphers = stackalloc ushort[TlsHello.MaxListEntries];
        Span<ushort> extensions = stackalloc ushort[TlsHello.MaxListEntries];
        int cipherCount = NonGrease(hello.CipherSuites, ciphers, dropSniAlpn: false, out _);
        int extensionCount = NonGrease(hello.Extensions, extensions, dropSniAlpn: true, out int allExtensions);
        ciphers = ciphers[..cipherCount];
        extensions = extensions[..extensionCount];
        ciphers.Sort();
        extensions.Sort();

        Span<byte> a = stackalloc byte[10];
        a[0] = (byte)protocol;
        Version(hello).CopyTo(a[1..]);
        a[3] = hello.Extensions.Contains(TlsHelloParser.ExtServerName) ? (byte)'d' : (byte)'i';
        Write2(Math.Min(99, cipherCount), a[4..]);
        Write2(Math.Min(99, allExtensions), a[6..]);
        AlpnChars(hello.Shape.AlpnFirstLast, a[8..]);

        Span<byte> cipherList = stackalloc byte[MaxText];
        int cipherLength = JoinHex(ciphers, cipherList);
        cipherList = cipherList[..cipherLength];

        // ja4_c: sorted extensions, then '_' and the signature algorithms in their original order.
        Span<byte> c = stackalloc byte[(2 * MaxText) + 1];
        int extensionLength = JoinHex(extensions, c);
        Span<ushort> signatures = stackalloc ushort[TlsHello.MaxListEntries];
        int signatureCount = NonGrease(hello.SignatureAlgorithms, signatures, dropSniAlpn: false, out _);
        int cLength = extensionLength;
        if (signatureCount > 0)
        {
            c[cLength++] = (byte)'_';
            cLength += JoinHex(signatures[..signatureCount], c[cLength..]);
        }

        c = c[..cLength];
        if (raw)
        {
            int length = a.Length + 1 + cipherList.Length + 1 + c.Length;
            byte[] rented = ArrayPool<byte>.Shared.Rent(length);
            var text = rented.AsSpan(0, length);
            a.CopyTo(text);
            text[a.Length] = (byte)'_';
            cipherList.CopyTo(text[(a.Length + 1)..]);
            text[a.Length + 1 + cipherList.Length] = (byte)'_';
            c.CopyTo(text[(a.Length + 2 + cipherList.Length)..]);
            string result = Encoding.ASCII.GetString(text);
            ArrayPool<byte>.Shared.Return(rented);
            return result;
        }

        Span<byte> fingerprint = stackalloc byte[36];
        a.CopyTo(fingerprint);
        fingerprint[10] = (byte)'_';
        Sha12(cipherCount == 0 ? default : cipherList, fingerprint.Slice(11, 12));
        fingerprint[23] = (byte)'_';
        Sha12(extensionLength == 0 && signatureCount == 0 ? default : c, fingerprint.Slice(24, 12));
        return Caching.AsciiStringPool.Get(fingerprint);
    }

    /// <summary>Copies the non-GREASE values (and for extensions, without SNI and ALPN, counting them in
    /// <paramref name="all"/> all the same: JA4's count includes them).</summary>
    private static int NonGrease(ReadOnlySpan<ushort> values, Span<ushort> destination, bool dropSniAlpn, out int all)
    {
        int n = 0;
        all = 0;
        foreach (ushort v in values)
        {
            if (TlsHelloParser.IsGrease(v))
            {
                continue;
            }

            all++;
            if (dropSniAlpn && v is TlsHelloParser.ExtServerName or TlsHelloParser.ExtAlpn)
            {
                continue;
            }

            if (n < destination.Length)
            {
                destination[n++] = v;
            }
        }

        return n;
    }

    private static int JoinHex(ReadOnlySpan<ushort> values, Span<byte> destination)
    {
        int n = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                destination[n++] = (byte)',';
            }

            Hex.Write4(values[i], destination[n..]);
            n += 4;
        }

        return n;
    }

    private static void Write2(int value, Span<byte> destination)
    {
        destination[0] = (byte)('0' + (value / 10));
        destination[1] = (byte)('0' + (value % 10));
    }

    /// <summary>The first 12 hex digits of the SHA-256 of <paramref name="text"/>, or <see cref="Empty"/> when it is empty.</summary>
    private static void Sha12(ReadOnlySpan<byte> text, Span<byte> destination12)
    {
        if (text.IsEmpty)
        {
            "000000000000"u8.CopyTo(destination12);
            return;
        }

        // Memoised per worker: the lists repeat across the flows of one client software.
        string hex = Caching.DigestCache.Hex(Caching.DigestAlgorithm.Sha256, text);
        for (int i = 0; i < 12; i++)
        {
            destination12[i] = (byte)hex[i];
        }
    }

    private static ReadOnlySpan<byte> Version(TlsHello hello)
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
            0x0304 => "13"u8,
            0x0303 => "12"u8,
            0x0302 => "11"u8,
            0x0301 => "10"u8,
            0x0300 => "s3"u8,
            0x0002 => "s2"u8,
            0xfeff => "d1"u8,
            0xfefd => "d2"u8,
            0xfefc => "d3"u8,
            _ => "00"u8,
        };
    }

    /// <summary>Orders versions newest-last: DTLS versions count down, TLS versions count up.</summary>
    internal static int Rank(ushort v) => (v >> 8) == 0xfe ? 0x10000 - v : v;

    private static void AlpnChars(int firstLast, Span<byte> destination)
    {
        if (firstLast == 0)
        {
            destination[0] = destination[1] = (byte)'0';
            return;
        }

        byte first = (byte)(firstLast >> 8), last = (byte)firstLast;
        if (char.IsAsciiLetterOrDigit((char)first) && char.IsAsciiLetterOrDigit((char)last))
        {
            destination[0] = first;
            destination[1] = last;
            return;
        }

        // Non-alphanumeric: the first and last characters of the hex of the first and last bytes.
        Span<byte> hex = stackalloc byte[2];
        Hex.EncodeLower([first], hex);
        destination[0] = hex[0];
        Hex.EncodeLower([last], hex);
        destination[1] = hex[1];
    }
}
