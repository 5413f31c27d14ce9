namespace Sniffer.Fingerprinting.Text;

/// <summary>
/// Request lines ("METHOD uri VERSION") and status lines ("VERSION NNN reason") of HTTP-shaped protocols (RTSP,
/// SIP). The version token is compared exactly so HTTP, RTSP and SIP never take each other's lines.
/// </summary>
public static class StartLine
{
    /// <summary>A predicate on the request URI (e.g. must start with "sip:").</summary>
    public delegate bool UriCheck(ReadOnlySpan<byte> uri);

    /// <summary>Longest method name accepted.</summary>
    public const int MaxMethodLength = 16;

    public static SideVerdict RequestVerdict(ReadOnlySpan<byte> data, bool complete, byte[][] methods,
        ReadOnlySpan<byte> version1, ReadOnlySpan<byte> version2, UriCheck uriCheck)
    {
        var state = TextLine.First(data, out var line);
        switch (state)
        {
            case TextLine.LineState.Empty:
                return TextLine.Undecided(complete);
            case TextLine.LineState.Invalid:
                return SideVerdict.No;
            case TextLine.LineState.Partial when !complete:
                int sp = line.IndexOf((byte)' ');
                var m = sp < 0 ? line : line[..sp];
                if (!MethodMatches(m, methods, prefix: sp < 0))
                {
                    return SideVerdict.No;
                }

                if (sp < 0)
                {
                    return SideVerdict.Pending;
                }

                // Once the version has started to arrive it must be the right one.
                var afterMethod = line[(sp + 1)..];
                int sp2 = afterMethod.IndexOf((byte)' ');
                if (sp2 < 0)
                {
                    return SideVerdict.Pending;
                }

                var partialVersion = afterMethod[(sp2 + 1)..];
                return uriCheck(afterMethod[..sp2]) && (TextLine.CouldStartWith(partialVersion, version1) ||
                    TextLine.CouldStartWith(partialVersion, version2)) ? SideVerdict.Pending : SideVerdict.No;
        }

        var method = TextLine.Word(line, out var rest);
        var uri = TextLine.Word(rest, out var version);
        if (!MethodMatches(method, methods, prefix: false) || uri.IsEmpty || !uriCheck(uri))
        {
            return SideVerdict.No;
        }

        return TextLine.EqualsIgnoreCase(version, version1) || TextLine.EqualsIgnoreCase(version, version2)
            ? SideVerdict.Strong : SideVerdict.No;
    }

    public static SideVerdict StatusVerdict(ReadOnlySpan<byte> data, bool complete, ReadOnlySpan<byte> version1Space, ReadOnlySpan<byte> version2Space)
    {
        var state = TextLine.First(data, out var line);
        switch (state)
        {
            case TextLine.LineState.Empty:
                return TextLine.Undecided(complete);
            case TextLine.LineState.Invalid:
                return SideVerdict.No;
            case TextLine.LineState.Partial when !complete:
                if (!TextLine.CouldStartWith(line, version1Space) && !TextLine.CouldStartWith(line, version2Space))
                {
                    return SideVerdict.No;
                }

                var code = line.Length > version1Space.Length ? line[version1Space.Length..] : default;
                for (int i = 0; i < code.Length && i < 3; i++)
                {
                    if (!TextLine.IsDigit(code[i]))
                    {
                        return SideVerdict.No;
                    }
                }

                return SideVerdict.Pending;
        }

        return IsStatusLine(line, version1Space) || IsStatusLine(line, version2Space) ? SideVerdict.Strong : SideVerdict.No;
    }

    /// <summary>"VERSION NNN[ reason]" with a status code 100..699.</summary>
    public static bool IsStatusLine(ReadOnlySpan<byte> line, ReadOnlySpan<byte> versionSpace)
    {
        if (!TextLine.StartsWithIgnoreCase(line, versionSpace) || line.Length < versionSpace.Length + 3)
        {
            return false;
        }

        var code = line.Slice(versionSpace.Length, 3);
        return code[0] is >= (byte)'1' and <= (byte)'6' && TextLine.IsDigit(code[1]) && TextLine.IsDigit(code[2]) &&
            (line.Length == versionSpace.Length + 3 || line[versionSpace.Length + 3] == ' ');
    }

    /// <summary>The three-digit status code of a status line (caller checked it).</summary>
    public static int StatusCode(ReadOnlySpan<byte> line, int versionSpaceLength) =>
        ((line[versionSpaceLength] - '0') * 100) + ((line[versionSpaceLength + 1] - '0') * 10) + (line[versionSpaceLength + 2] - '0');

    /// <summary>Methods are case-sensitive upper case on the wire.</summary>
    public static bool MethodMatches(ReadOnlySpan<byte> method, byte[][] lowerMethods, bool prefix)
    {
        if (method.Length > MaxMethodLength)
        {
            return false;
        }

        foreach (byte b in method)
        {
            if (!(b is >= (byte)'A' and <= (byte)'Z' || b == '_' || b == '-'))
            {
                return false;
            }
        }

        foreach (var m in lowerMethods)
        {
            if (prefix ? method.Length <= m.Length && TextLine.CouldStartWith(method, m) : TextLine.EqualsIgnoreCase(method, m))
            {
                return true;
            }
        }

        return false;
    }
}
