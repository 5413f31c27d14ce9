namespace Sniffer.Fingerprinting.Syslog;

internal enum SyslogFormat : byte
{
    None = 0,
    /// <summary>Only a valid PRI followed by printable text.</summary>
    Pri = 1,
    /// <summary>RFC 3164 BSD timestamp "Mmm dd hh:mm:ss".</summary>
    Rfc3164 = 2,
    /// <summary>RFC 5424 "1 " + timestamp.</summary>
    Rfc5424 = 3,
}

/// <summary>Allocation-free syslog message recognition (RFC 3164, RFC 5424, RFC 6587 TCP framing).</summary>
internal static class SyslogParser
{
    /// <summary>Largest PRI value: facility 23 * 8 + severity 7.</summary>
    public const int MaxPriority = 191;
    /// <summary>Printable bytes needed after the PRI (or up to the message end) for a PRI-only match.</summary>
    public const int MinTextLength = 8;
    /// <summary>How far into the message text is checked for printability.</summary>
    public const int TextCheckWindow = 64;
    /// <summary>Most digits of an RFC 6587 octet count.</summary>
    public const int MaxOctetCountDigits = 5;
    /// <summary>Longest header token (hostname, app-name) read; RFC 5424 HOSTNAME is at most 255.</summary>
    public const int MaxTokenLength = 255;

    private static ReadOnlySpan<byte> Months => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    /// <summary>
    /// Skips an RFC 6587 octet count ("123 ") on TCP. Returns the offset of the '&lt;', 0 when there is no count,
    /// -1 when the bytes cannot be a framed message, -2 when more bytes are needed.
    /// </summary>
    public static int SkipOctetCount(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || data[0] is < (byte)'1' or > (byte)'9')
        {
            return data.IsEmpty ? -2 : (data[0] == '<' ? 0 : -1);
        }

        for (int i = 1; i <= MaxOctetCountDigits; i++)
        {
            if (i >= data.Length)
            {
                return -2;
            }

            if (data[i] == ' ')
            {
                return i + 1 < data.Length ? (data[i + 1] == '<' ? i + 1 : -1) : -2;
            }

            if (!char.IsAsciiDigit((char)data[i]))
            {
                return -1;
            }
        }

        return -1;
    }

    /// <summary>
    /// Recognises the message starting at <paramref name="m"/>. Returns None with <paramref name="needMore"/> when a
    /// longer prefix could still decide; <paramref name="textEnd"/> is where the PRI ends.
    /// </summary>
    public static SyslogFormat Recognise(ReadOnlySpan<byte> m, bool final, out int priority, out int afterPri, out bool needMore)
    {
        priority = -1;
        afterPri = 0;
        needMore = false;
        if (m.IsEmpty)
        {
            needMore = !final;
            return SyslogFormat.None;
        }

        if (m[0] != '<')
        {
            return SyslogFormat.None;
        }

        int value = 0;
        int i = 1;
        for (; i < m.Length && i <= 4; i++)
        {
            byte b = m[i];
            if (b == '>')
            {
                break;
            }

            if (!char.IsAsciiDigit((char)b) || i == 4 || (i == 2 && m[1] == '0'))
            {
                return SyslogFormat.None;
            }

            value = (value * 10) + (b - '0');
        }

        if (i >= m.Length)
        {
            needMore = !final;
            return SyslogFormat.None;
        }

        if (m[i] != '>' || i == 1 || value > MaxPriority)
        {
            return SyslogFormat.None;
        }

        priority = value;
        afterPri = i + 1;
        var rest = m[afterPri..];

        // RFC 5424: VERSION SP TIMESTAMP, timestamp "-" or "YYYY-MM-DDT...".
        if (rest.Length >= 2 && rest[0] == '1' && rest[1] == ' ')
        {
            var ts = rest[2..];
            if (ts.Length >= 2 && ts[0] == '-' && ts[1] == ' ')
            {
                return SyslogFormat.Rfc5424;
            }

            if (ts.Length >= 11)
            {
                if (IsDigits(ts[..4]) && ts[4] == '-' && IsDigits(ts.Slice(5, 2)) && ts[7] == '-' && IsDigits(ts.Slice(8, 2)) && ts[10] == 'T')
                {
                    return SyslogFormat.Rfc5424;
                }
            }
            else if (!final && IsPrefixOf5424Timestamp(ts))
            {
                needMore = true;
                return SyslogFormat.None;
            }
        }

        var bsd = rest.Length > 0 && rest[0] == ' ' ? rest[1..] : rest;
        if (bsd.Length >= 15 && IsBsdTimestamp(bsd))
        {
            return SyslogFormat.Rfc3164;
        }

        // Anything else must be printable text: a tag, a sequence number, key=value pairs...
        int window = Math.Min(rest.Length, TextCheckWindow);
        int printable = 0;
        for (int k = 0; k < window; k++)
        {
            byte b = rest[k];
            if (b is (byte)'\n' or (byte)'\r' or 0 && printable >= MinTextLength)
            {
                break;
            }

            if (b < 0x20 && b != '\t')
            {
                return SyslogFormat.None;
            }

            if (b == 0x7F)
            {
                return SyslogFormat.None;
            }

            printable++;
        }

        if (printable < MinTextLength && window == rest.Length)
        {
            if (!final)
            {
                needMore = true;
            }

            return SyslogFormat.None;
        }

        // Still possibly a BSD timestamp that has not fully arrived: decide on the weaker shape only at the end.
        if (!final && bsd.Length < 15 && IsBsdTimestampPrefix(bsd))
        {
            needMore = true;
            return SyslogFormat.None;
        }

        return SyslogFormat.Pri;
    }

    private static bool IsDigits(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPrefixOf5424Timestamp(ReadOnlySpan<byte> ts)
    {
        ReadOnlySpan<byte> pattern = "dddd-dd-ddT"u8;
        if (ts.Length == 1 && ts[0] == '-')
        {
            return true;
        }

        for (int k = 0; k < ts.Length && k < pattern.Length; k++)
        {
            bool ok = pattern[k] == 'd' ? char.IsAsciiDigit((char)ts[k]) : ts[k] == pattern[k];
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>"Mmm dd hh:mm:ss" with dd as "02" or " 2".</summary>
    public static bool IsBsdTimestamp(ReadOnlySpan<byte> s) => s.Length >= 15 && IsBsdTimestampPrefix(s[..15]);

    private static bool IsBsdTimestampPrefix(ReadOnlySpan<byte> s)
    {
        if (s.Length >= 3 && MonthIndex(s[..3]) < 0)
        {
            return false;
        }

        if (s.Length < 3)
        {
            return s.Length == 0 || char.IsAsciiLetterUpper((char)s[0]);
        }

        ReadOnlySpan<byte> pattern = "MMM Dd dd:dd:dd"u8;
        for (int k = 3; k < s.Length && k < pattern.Length; k++)
        {
            byte p = pattern[k];
            byte b = s[k];
            bool ok = p switch
            {
                (byte)'D' => b == ' ' || char.IsAsciiDigit((char)b),
                (byte)'d' => char.IsAsciiDigit((char)b),
                _ => b == p,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static int MonthIndex(ReadOnlySpan<byte> s)
    {
        for (int k = 0; k < 12; k++)
        {
            if (s.SequenceEqual(Months.Slice(k * 3, 3)))
            {
                return k;
            }
        }

        return -1;
    }

    /// <summary>The next space-delimited token at <paramref name="offset"/> (moves past it and one space).</summary>
    public static ReadOnlySpan<byte> Token(ReadOnlySpan<byte> m, ref int offset)
    {
        if (offset >= m.Length)
        {
            return default;
        }

        var rest = m[offset..];
        int end = rest.IndexOfAny((byte)' ', (byte)'\n');
        if (end < 0)
        {
            end = rest.Length;
        }

        offset += end + 1;
        return rest[..end];
    }
}
