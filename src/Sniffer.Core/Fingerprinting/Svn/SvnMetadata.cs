using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Svn;

/// <summary>svn metadata: <c>url.original</c> (ECS, the repository URL) and <c>user_agent.original</c> (ECS, the client's "SVN/1.14.2 (...)").</summary>
public sealed class SvnMetadata : ProtocolMetadata
{
    /// <summary>Longest string kept (svn strings are length-prefixed: "26:svn://...").</summary>
    public const int MaxStringLength = 512;

    public string? Url { get; private set; }
    public string? UserAgent { get; private set; }

    internal bool Parse(ReadOnlySpan<byte> client)
    {
        if (Url is not null || client.IsEmpty)
        {
            return Url is not null;
        }

        // The first two length-prefixed strings of the client's response: URL, then client string.
        int close = client.IndexOf((byte)')');
        if (close < 0)
        {
            return false;
        }

        int i = close + 1;
        var url = LengthPrefixed(client, ref i);
        if (url.IsEmpty)
        {
            return client.Length > MaxStringLength * 2;
        }

        var ua = LengthPrefixed(client, ref i);
        if (ua.IsEmpty && client.Length <= MaxStringLength * 2)
        {
            return false; // wait for the client string too
        }

        Url = WireText.Decode(url, MaxStringLength);
        if (!ua.IsEmpty)
        {
            UserAgent = WireText.Decode(ua, MaxStringLength);
        }

        return true;
    }

    /// <summary>" N:bytes" at <paramref name="i"/>; empty when incomplete or malformed.</summary>
    private static ReadOnlySpan<byte> LengthPrefixed(ReadOnlySpan<byte> s, ref int i)
    {
        while (i < s.Length && s[i] == ' ')
        {
            i++;
        }

        int len = 0;
        int start = i;
        while (i < s.Length && TextLine.IsDigit(s[i]) && i - start < 6)
        {
            len = (len * 10) + (s[i] - '0');
            i++;
        }

        if (i == start || i >= s.Length || s[i] != ':' || len > s.Length - i - 1)
        {
            return default;
        }

        var value = s.Slice(i + 1, len);
        i += 1 + len;
        return value;
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (Url is not null)
        {
            writer.WriteStartObject(JsonNames.Url);
            Output.JsonStringCache.WriteString(writer, JsonNames.Original, Url);
            writer.WriteEndObject();
        }

        if (UserAgent is not null)
        {
            writer.WriteStartObject(JsonNames.UserAgent);
            Output.JsonStringCache.WriteString(writer, JsonNames.Original, UserAgent);
            writer.WriteEndObject();
        }
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Original = JsonEncodedText.Encode("original");
    public static readonly JsonEncodedText Url = JsonEncodedText.Encode("url");
    public static readonly JsonEncodedText UserAgent = JsonEncodedText.Encode("user_agent");
}
