using System.Buffers;

namespace Sniffer.Fingerprinting.Text;

/// <summary>What one side of a flow says about a line-based protocol.</summary>
public enum SideVerdict : byte
{
    /// <summary>No decision yet: nothing seen, or an incomplete prefix that could still match.</summary>
    Pending = 0,
    /// <summary>Nothing was seen and nothing more will come.</summary>
    Absent = 1,
    /// <summary>The bytes prove it is not this protocol.</summary>
    No = 2,
    /// <summary>A shape several protocols share (e.g. a bare "220 " greeting, "USER x").</summary>
    Weak = 3,
    /// <summary>A well-formed message specific to this protocol.</summary>
    Strong = 4,
}

/// <summary>
/// Allocation-free helpers for CRLF/LF line-oriented text protocols (SMTP, FTP, POP3, IMAP, IRC, RTSP, SIP...).
/// </summary>
public static class TextLine
{
    /// <summary>Longest first line a text protocol may send before we give up on it (RFC 5321 allows 1000).</summary>
    public const int MaxLineLength = 4096;

    /// <summary>Result of looking for the first line of a side.</summary>
    public enum LineState : byte
    {
        /// <summary>No bytes at all.</summary>
        Empty,
        /// <summary>Bytes but no line end yet (<c>line</c> holds them).</summary>
        Partial,
        /// <summary>A complete line (without its CR LF).</summary>
        Complete,
        /// <summary>Longer than <see cref="MaxLineLength"/> or holds bytes no text line has.</summary>
        Invalid,
    }

    /// <summary>Finds the first line of <paramref name="data"/> and checks it is text.</summary>
    public static LineState First(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> line)
    {
        line = default;
        if (data.IsEmpty)
        {
            return LineState.Empty;
        }

        var window = data.Length > MaxLineLength + 1 ? data[..(MaxLineLength + 1)] : data;
        int lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (data.Length > MaxLineLength || !IsText(window))
            {
                return LineState.Invalid;
            }

            line = window.Length > 0 && window[^1] == '\r' ? window[..^1] : window;
            return LineState.Partial;
        }

        line = window[..lf];
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        return IsText(line) ? LineState.Complete : LineState.Invalid;
    }

    /// <summary>Splits off the line starting at <paramref name="offset"/>; false when no complete line remains.</summary>
    public static bool Next(ReadOnlySpan<byte> data, scoped ref int offset, out ReadOnlySpan<byte> line)
    {
        line = default;
        if (offset >= data.Length)
        {
            return false;
        }

        int lf = data[offset..].IndexOf((byte)'\n');
        if (lf < 0)
        {
            return false;
        }

        line = data.Slice(offset, lf);
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        offset += lf + 1;
        return true;
    }

    /// <summary>Printable ASCII, tab, or bytes ≥ 0x80 (UTF-8 text); a bare CR only at the end.</summary>
    public static bool IsText(ReadOnlySpan<byte> s)
    {
        // One vectorised search for the first byte no text has (every probe of a text protocol checks its first
        // line this way); a CR passes only as the very last byte, so it can only be the first such byte found.
        int i = s.IndexOfAny(NotText);
        return i < 0 || (i == s.Length - 1 && s[i] == '\r');
    }

    /// <summary>Control bytes except tab (CR is judged by position), and DEL.</summary>
    private static readonly SearchValues<byte> NotText = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0x7F]);

    /// <summary>ASCII case-insensitive prefix test (<paramref name="prefix"/> must be lowercase or non-letters).</summary>
    public static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> prefix) =>
        s.Length >= prefix.Length && EqualsIgnoreCase(s[..prefix.Length], prefix);

    /// <summary>ASCII case-insensitive equality (<paramref name="lower"/> lowercase).</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length != lower.Length)
        {
            return false;
        }

        for (int i = 0; i < s.Length; i++)
        {
            if (ToLower(s[i]) != lower[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="partial"/> could still grow into something starting with <paramref name="lower"/>.</summary>
    public static bool CouldStartWith(ReadOnlySpan<byte> partial, ReadOnlySpan<byte> lower) =>
        partial.Length >= lower.Length
            ? EqualsIgnoreCase(partial[..lower.Length], lower)
            : EqualsIgnoreCase(partial, lower[..partial.Length]);

    /// <summary>ASCII case-insensitive search; -1 when absent.</summary>
    public static int IndexOfIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (lower.IsEmpty)
        {
            return 0;
        }

        for (int i = 0; i + lower.Length <= s.Length; i++)
        {
            if (ToLower(s[i]) == lower[0] && EqualsIgnoreCase(s.Slice(i, lower.Length), lower))
            {
                return i;
            }
        }

        return -1;
    }

    public static bool ContainsIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower) => IndexOfIgnoreCase(s, lower) >= 0;

    /// <summary>The first space-separated word of a line, and what follows the space.</summary>
    public static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> rest)
    {
        int sp = line.IndexOf((byte)' ');
        if (sp < 0)
        {
            rest = default;
            return line;
        }

        rest = line[(sp + 1)..];
        return line[..sp];
    }

    /// <summary>Number of space-separated words before a ':'-trailing parameter (IRC style), bounded.</summary>
    public static int CountWords(ReadOnlySpan<byte> s)
    {
        int n = 0;
        bool inWord = false;
        foreach (byte b in s)
        {
            if (b == ' ')
            {
                inWord = false;
            }
            else if (!inWord)
            {
                inWord = true;
                n++;
            }
        }

        return n;
    }

    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static bool IsAlpha(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    public static bool IsAlnum(byte b) => IsDigit(b) || IsAlpha(b);

    public static byte ToLower(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    /// <summary>Trims ASCII spaces and tabs.</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        int a = 0, e = s.Length;
        while (a < e && (s[a] == ' ' || s[a] == '\t'))
        {
            a++;
        }

        while (e > a && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        {
            e--;
        }

        return s[a..e];
    }

    /// <summary>
    /// Combines the verdicts of both directions: any No → NoMatch; Strong with agreement → High; one Strong →
    /// Medium; two Weak → Medium; one Weak waits for the other side while it may still speak, then Low.
    /// </summary>
    public static ProbeResult Combine(SideVerdict client, SideVerdict server, string bothEvidence, string clientEvidence, string serverEvidence)
    {
        if (client == SideVerdict.No || server == SideVerdict.No)
        {
            return ProbeResult.NoMatch;
        }

        bool clientSays = client >= SideVerdict.Weak;
        bool serverSays = server >= SideVerdict.Weak;
        if (clientSays && serverSays)
        {
            return client == SideVerdict.Strong || server == SideVerdict.Strong
                ? ProbeResult.Matched(Confidence.High, bothEvidence)
                : ProbeResult.Matched(Confidence.Medium, bothEvidence);
        }

        if (client == SideVerdict.Strong)
        {
            return ProbeResult.Matched(Confidence.Medium, clientEvidence);
        }

        if (server == SideVerdict.Strong)
        {
            return ProbeResult.Matched(Confidence.Medium, serverEvidence);
        }

        if (client == SideVerdict.Weak)
        {
            return server == SideVerdict.Absent ? ProbeResult.Matched(Confidence.Low, clientEvidence) : ProbeResult.NeedMore;
        }

        if (server == SideVerdict.Weak)
        {
            return client == SideVerdict.Absent ? ProbeResult.Matched(Confidence.Low, serverEvidence) : ProbeResult.NeedMore;
        }

        return client == SideVerdict.Absent && server == SideVerdict.Absent ? ProbeResult.NoMatch : ProbeResult.NeedMore;
    }

    /// <summary>Pending or Absent for a side that has not decided, by whether it is complete.</summary>
    public static SideVerdict Undecided(bool complete) => complete ? SideVerdict.Absent : SideVerdict.Pending;

    /// <summary>Whether a first line cut short could still grow into what a protocol expects.</summary>
    public delegate bool PartialLineCheck(ReadOnlySpan<byte> partialLine);

    /// <summary>
    /// How every line-based side verdict opens: nothing yet → undecided; not text → no; a first line still being
    /// received → pending while <paramref name="couldBecome"/> says it may still match, else no. Null when
    /// <paramref name="line"/> is there to be judged: a whole first line, or the side ended inside it.
    /// </summary>
    public static SideVerdict? OpenFirstLine(ReadOnlySpan<byte> data, bool complete, out ReadOnlySpan<byte> line, PartialLineCheck couldBecome)
    {
        switch (First(data, out line))
        {
            case LineState.Empty:
                return Undecided(complete);
            case LineState.Invalid:
                return SideVerdict.No;
            case LineState.Partial when !complete:
                return couldBecome(line) ? SideVerdict.Pending : SideVerdict.No;
            default:
                return null;
        }
    }
}
