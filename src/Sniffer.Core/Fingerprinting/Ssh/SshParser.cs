using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Ssh;

public enum SshParseStatus : byte
{
    Invalid,
    NeedMoreData,
    Done,
}

/// <summary>The identification string <c>SSH-protoversion-softwareversion [SP comments]</c>, as ranges.</summary>
public readonly struct SshBanner
{
    public SshBanner(Range protoVersion, Range software, Range comments, int end)
    {
        ProtoVersion = protoVersion;
        Software = software;
        Comments = comments;
        End = end;
    }

    public Range ProtoVersion { get; }
    public Range Software { get; }
    public Range Comments { get; }
    /// <summary>Offset just after the banner's line end: where the binary packet protocol starts.</summary>
    public int End { get; }
}

/// <summary>The name-lists of SSH_MSG_KEXINIT (RFC 4253 §7.1), as ranges into the stream.</summary>
public readonly struct SshKexInit
{
    public SshKexInit(Range[] lists) => Lists = lists;

    /// <summary>kex, host key, enc c2s, enc s2c, mac c2s, mac s2c, comp c2s, comp s2c, lang c2s, lang s2c.</summary>
    public Range[] Lists { get; }
}

/// <summary>Span parsers for the SSH identification string and the first binary packet (KEXINIT).</summary>
public static class SshParser
{
    /// <summary>RFC 4253 §4.2: the identification string is at most 255 characters including CR LF.</summary>
    public const int MaxBannerLength = 255;
    /// <summary>Bytes of other lines a server may send before its identification string (RFC 4253 §4.2).</summary>
    public const int MaxPreBannerBytes = 1024;
    /// <summary>Largest KEXINIT packet accepted (RFC 4253 §6.1 requires support for 35000-byte packets).</summary>
    public const int MaxPacketLength = 35000;
    /// <summary>Longest algorithm name-list accepted.</summary>
    public const int MaxNameListLength = 4096;
    public const byte MsgKexInit = 20;

    /// <summary>
    /// Finds and parses the identification string. The client's must come first; a server may send other text
    /// lines before it (<paramref name="allowPreamble"/>).
    /// </summary>
    public static SshParseStatus TryParseBanner(ReadOnlySpan<byte> s, bool allowPreamble, out SshBanner banner)
    {
        banner = default;
        int start = 0;
        while (true)
        {
            var line = s[start..];
            ReadOnlySpan<byte> magic = "SSH-"u8;
            int n = Math.Min(line.Length, magic.Length);
            if (line[..n].SequenceEqual(magic[..n]))
            {
                if (line.Length < magic.Length)
                {
                    return SshParseStatus.NeedMoreData;
                }

                return ParseIdentification(s, start, out banner);
            }

            if (!allowPreamble)
            {
                return SshParseStatus.Invalid;
            }

            // Skip one preamble line: printable text only, bounded.
            int nl = line.IndexOf((byte)'\n');
            var text = nl < 0 ? line : line[..nl];
            foreach (byte b in text)
            {
                if ((b < 0x20 && b != (byte)'\r' && b != (byte)'\t') || b >= 0x7F)
                {
                    return SshParseStatus.Invalid;
                }
            }

            if (nl < 0)
            {
                return start + line.Length > MaxPreBannerBytes ? SshParseStatus.Invalid : SshParseStatus.NeedMoreData;
            }

            start += nl + 1;
            if (start > MaxPreBannerBytes)
            {
                return SshParseStatus.Invalid;
            }

            if (start >= s.Length)
            {
                return SshParseStatus.NeedMoreData;
            }
        }
    }

    private static SshParseStatus ParseIdentification(ReadOnlySpan<byte> s, int start, out SshBanner banner)
    {
        banner = default;
        int i = start + 4;
        int protoStart = i;
        while (i < s.Length && s[i] != (byte)'-')
        {
            if (!(char.IsAsciiDigit((char)s[i]) || s[i] == (byte)'.') || i - protoStart > 8)
            {
                return SshParseStatus.Invalid;
            }

            i++;
        }

        if (i >= s.Length)
        {
            return SshParseStatus.NeedMoreData;
        }

        if (i == protoStart)
        {
            return SshParseStatus.Invalid;
        }

        var proto = new Range(protoStart, i);
        int softStart = ++i;
        int softEnd = -1, commentStart = -1;
        while (true)
        {
            if (i - start >= MaxBannerLength)
            {
                return SshParseStatus.Invalid;
            }

            if (i >= s.Length)
            {
                return SshParseStatus.NeedMoreData;
            }

            byte b = s[i];
            if (b == (byte)'\n' || b == (byte)'\r')
            {
                break;
            }

            if (b == (byte)' ' && softEnd < 0)
            {
                softEnd = i;
                commentStart = i + 1;
            }
            else if (b < 0x20 || b >= 0x7F)
            {
                return SshParseStatus.Invalid; // RFC 4253: printable US-ASCII only
            }

            i++;
        }

        if (softEnd < 0)
        {
            softEnd = i;
        }

        if (softEnd == softStart)
        {
            return SshParseStatus.Invalid;
        }

        int lineEnd = i;
        if (s[i] == (byte)'\r')
        {
            if (i + 1 >= s.Length)
            {
                return SshParseStatus.NeedMoreData;
            }

            if (s[i + 1] != (byte)'\n')
            {
                return SshParseStatus.Invalid;
            }

            i++;
        }

        banner = new SshBanner(proto, new Range(softStart, softEnd), commentStart < 0 ? default : new Range(commentStart, lineEnd), i + 1);
        return SshParseStatus.Done;
    }

    /// <summary>Parses the binary packet at <paramref name="offset"/> as SSH_MSG_KEXINIT.</summary>
    public static SshParseStatus TryParseKexInit(ReadOnlySpan<byte> s, int offset, out SshKexInit kex)
    {
        kex = default;
        var p = s[offset..];
        if (p.Length < 6)
        {
            return SshParseStatus.NeedMoreData;
        }

        uint packetLength = BinaryPrimitives.ReadUInt32BigEndian(p);
        byte padding = p[4];
        if (packetLength < 1 + 1 + 16 || packetLength > MaxPacketLength || padding >= packetLength)
        {
            return SshParseStatus.Invalid;
        }

        if (p[5] != MsgKexInit)
        {
            return SshParseStatus.Invalid;
        }

        if (p.Length < 4 + packetLength)
        {
            return SshParseStatus.NeedMoreData;
        }

        var payload = p.Slice(5, (int)packetLength - padding - 1);
        int i = 1 + 16; // message number, cookie
        var lists = new Range[10];
        for (int k = 0; k < lists.Length; k++)
        {
            if (payload.Length < i + 4)
            {
                return SshParseStatus.Invalid;
            }

            uint len = BinaryPrimitives.ReadUInt32BigEndian(payload[i..]);
            if (len > MaxNameListLength || payload.Length < i + 4 + len)
            {
                return SshParseStatus.Invalid;
            }

            int start = offset + 5 + i + 4;
            lists[k] = new Range(start, start + (int)len);
            if (payload.Slice(i + 4, (int)len).IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E) >= 0)
            {
                return SshParseStatus.Invalid; // names are printable ASCII without spaces (vectorised check)
            }

            i += 4 + (int)len;
        }

        kex = new SshKexInit(lists);
        return SshParseStatus.Done;
    }
}
