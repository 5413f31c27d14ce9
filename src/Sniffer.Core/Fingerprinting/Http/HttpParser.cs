using System.Buffers;

namespace Sniffer.Fingerprinting.Http;

/// <summary>Outcome of parsing a prefix of an HTTP/1.x message.</summary>
public enum HttpParseStatus : byte
{
    /// <summary>The bytes break the grammar.</summary>
    Invalid,
    /// <summary>Consistent so far; more bytes are needed.</summary>
    NeedMoreData,
    /// <summary>The element parsed completely.</summary>
    Done,
}

/// <summary>A request line or status line, as offsets into the message (no copies).</summary>
public readonly struct HttpStartLine
{
    public HttpStartLine(bool isRequest, Range method, Range target, byte minorVersion, int statusCode, int length)
    {
        IsRequest = isRequest;
        Method = method;
        Target = target;
        MinorVersion = minorVersion;
        StatusCode = statusCode;
        Length = length;
    }

    public bool IsRequest { get; }
    public Range Method { get; }
    public Range Target { get; }
    /// <summary>x of HTTP/1.x.</summary>
    public byte MinorVersion { get; }
    public int StatusCode { get; }
    /// <summary>Bytes of the line including its line ending.</summary>
    public int Length { get; }
}

/// <summary>
/// Span parser for HTTP/1.x start lines and header fields (RFC 9112), in the manner of Kestrel's HttpParser but
/// for a sensor: never throws, tells "need more" from "invalid" on any prefix, and bounds every length.
/// </summary>
public static class HttpParser
{
    /// <summary>Longest method token accepted.</summary>
    public const int MaxMethodLength = 24;
    /// <summary>Longest request target accepted (bytes).</summary>
    public const int MaxTargetLength = 8192;
    /// <summary>Longest header line accepted.</summary>
    public const int MaxHeaderLineLength = 8192;
    /// <summary>Header fields read per message.</summary>
    public const int MaxHeaderCount = 128;

    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Methods of RFC 9110 and common extensions (WebDAV, PATCH): a match on them is more certain.</summary>
    public static bool IsKnownMethod(ReadOnlySpan<byte> m) =>
        m.SequenceEqual("GET"u8) || m.SequenceEqual("POST"u8) || m.SequenceEqual("HEAD"u8) || m.SequenceEqual("PUT"u8) ||
        m.SequenceEqual("DELETE"u8) || m.SequenceEqual("OPTIONS"u8) || m.SequenceEqual("CONNECT"u8) || m.SequenceEqual("TRACE"u8) ||
        m.SequenceEqual("PATCH"u8) || m.SequenceEqual("PROPFIND"u8) || m.SequenceEqual("PROPPATCH"u8) || m.SequenceEqual("MKCOL"u8) ||
        m.SequenceEqual("COPY"u8) || m.SequenceEqual("MOVE"u8) || m.SequenceEqual("LOCK"u8) || m.SequenceEqual("UNLOCK"u8) ||
        m.SequenceEqual("REPORT"u8) || m.SequenceEqual("SEARCH"u8);

    /// <summary>Parses a request line: <c>method SP request-target SP HTTP/1.x CRLF</c> (bare LF tolerated).</summary>
    public static HttpParseStatus TryParseRequestLine(ReadOnlySpan<byte> s, out HttpStartLine line)
    {
        line = default;
        int i = 0;
        while (i < s.Length && s[i] != (byte)' ')
        {
            byte b = s[i];
            if (b is < (byte)'A' or > (byte)'Z' && b != (byte)'-' && b != (byte)'_')
            {
                return HttpParseStatus.Invalid; // methods are upper-case tokens in practice
            }

            if (++i > MaxMethodLength)
            {
                return HttpParseStatus.Invalid;
            }
        }

        if (i == s.Length)
        {
            return HttpParseStatus.NeedMoreData;
        }

        if (i == 0)
        {
            return HttpParseStatus.Invalid;
        }

        var method = new Range(0, i);
        int targetStart = ++i;
        while (i < s.Length && s[i] != (byte)' ')
        {
            if (s[i] <= 0x20 || s[i] == 0x7F)
            {
                return HttpParseStatus.Invalid;
            }

            if (++i - targetStart > MaxTargetLength)
            {
                return HttpParseStatus.Invalid;
            }
        }

        if (i == s.Length)
        {
            return HttpParseStatus.NeedMoreData;
        }

        if (i == targetStart)
        {
            return HttpParseStatus.Invalid;
        }

        var target = new Range(targetStart, i);
        i++;
        var status = ParseVersion(s, ref i, out byte minor);
        if (status != HttpParseStatus.Done)
        {
            return status;
        }

        status = ParseLineEnd(s, ref i);
        if (status != HttpParseStatus.Done)
        {
            return status;
        }

        line = new HttpStartLine(true, method, target, minor, 0, i);
        return HttpParseStatus.Done;
    }

    /// <summary>Parses a status line: <c>HTTP/1.x SP 3DIGIT [SP reason] CRLF</c>.</summary>
    public static HttpParseStatus TryParseStatusLine(ReadOnlySpan<byte> s, out HttpStartLine line)
    {
        line = default;
        int i = 0;
        var status = ParseVersion(s, ref i, out byte minor);
        if (status != HttpParseStatus.Done)
        {
            return status;
        }

        ReadOnlySpan<byte> rest = s[i..];
        for (int k = 0; k < 4; k++)
        {
            if (k >= rest.Length)
            {
                return HttpParseStatus.NeedMoreData;
            }

            bool ok = k == 0 ? rest[k] == (byte)' ' : (k == 1 ? rest[k] is >= (byte)'1' and <= (byte)'5' : char.IsAsciiDigit((char)rest[k]));
            if (!ok)
            {
                return HttpParseStatus.Invalid;
            }
        }

        int code = ((rest[1] - '0') * 100) + ((rest[2] - '0') * 10) + (rest[3] - '0');
        i += 4;
        // reason-phrase: any visible text up to the line end
        while (i < s.Length && s[i] != (byte)'\r' && s[i] != (byte)'\n')
        {
            if ((s[i] < 0x20 && s[i] != (byte)'\t') || s[i] == 0x7F)
            {
                return HttpParseStatus.Invalid;
            }

            if (i > MaxHeaderLineLength)
            {
                return HttpParseStatus.Invalid;
            }

            i++;
        }

        status = ParseLineEnd(s, ref i);
        if (status != HttpParseStatus.Done)
        {
            return status;
        }

        line = new HttpStartLine(false, default, default, minor, code, i);
        return HttpParseStatus.Done;
    }

    /// <summary>
    /// Reads one header field line starting at <paramref name="offset"/>. <see cref="HttpParseStatus.Done"/> with
    /// an empty name means the empty line that ends the header section.
    /// </summary>
    public static HttpParseStatus TryParseHeader(ReadOnlySpan<byte> s, ref int offset, out Range name, out Range value)
    {
        name = default;
        value = default;
        var rest = s[offset..];
        int nl = rest.IndexOf((byte)'\n');
        if (nl < 0)
        {
            return rest.Length > MaxHeaderLineLength ? HttpParseStatus.Invalid : HttpParseStatus.NeedMoreData;
        }

        if (nl > MaxHeaderLineLength)
        {
            return HttpParseStatus.Invalid;
        }

        var line = rest[..nl];
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        int lineStart = offset;
        offset += nl + 1;
        if (line.IsEmpty)
        {
            return HttpParseStatus.Done;
        }

        int colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[..colon].IndexOfAnyExcept(TokenChars) >= 0)
        {
            return HttpParseStatus.Invalid;
        }

        int v = colon + 1;
        while (v < line.Length && (line[v] == (byte)' ' || line[v] == (byte)'\t'))
        {
            v++;
        }

        int end = line.Length;
        while (end > v && (line[end - 1] == (byte)' ' || line[end - 1] == (byte)'\t'))
        {
            end--;
        }

        name = new Range(lineStart, lineStart + colon);
        value = new Range(lineStart + v, lineStart + end);
        return HttpParseStatus.Done;
    }

    private static HttpParseStatus ParseVersion(ReadOnlySpan<byte> s, ref int i, out byte minor)
    {
        minor = 0;
        ReadOnlySpan<byte> prefix = "HTTP/1."u8;
        var rest = s[i..];
        int n = Math.Min(rest.Length, prefix.Length);
        if (!rest[..n].SequenceEqual(prefix[..n]))
        {
            return HttpParseStatus.Invalid;
        }

        if (rest.Length <= prefix.Length)
        {
            return HttpParseStatus.NeedMoreData;
        }

        byte d = rest[prefix.Length];
        if (d is < (byte)'0' or > (byte)'9')
        {
            return HttpParseStatus.Invalid;
        }

        minor = (byte)(d - '0');
        i += prefix.Length + 1;
        return HttpParseStatus.Done;
    }

    private static HttpParseStatus ParseLineEnd(ReadOnlySpan<byte> s, ref int i)
    {
        if (i >= s.Length)
        {
            return HttpParseStatus.NeedMoreData;
        }

        if (s[i] == (byte)'\n')
        {
            i++;
            return HttpParseStatus.Done;
        }

        if (s[i] != (byte)'\r')
        {
            return HttpParseStatus.Invalid;
        }

        if (i + 1 >= s.Length)
        {
            return HttpParseStatus.NeedMoreData;
        }

        if (s[i + 1] != (byte)'\n')
        {
            return HttpParseStatus.Invalid;
        }

        i += 2;
        return HttpParseStatus.Done;
    }
}
