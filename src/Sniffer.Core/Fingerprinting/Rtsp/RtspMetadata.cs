using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Rtsp;

/// <summary>
/// RTSP metadata: <c>url.original</c>, <c>user_agent.original</c> (ECS), <c>sniffer.rtsp.method</c>,
/// <c>sniffer.rtsp.status_code</c>, <c>sniffer.rtsp.server</c>; application from Server (else User-Agent).
/// </summary>
public sealed class RtspMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>Longest URI kept.</summary>
    public const int MaxUriLength = 512;
    /// <summary>Longest header value kept.</summary>
    public const int MaxHeaderLength = 256;
    /// <summary>Longest method kept.</summary>
    public const int MaxMethodLength = StartLine.MaxMethodLength;

    public string? Method { get; private set; }
    public string? Uri { get; private set; }
    public string? UserAgent { get; private set; }
    public string? Server { get; private set; }
    public int StatusCode { get; private set; }

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Method is null && TextLine.First(client, out var request) == TextLine.LineState.Complete)
        {
            var method = TextLine.Word(request, out var rest);
            Method = WireText.Decode(method, MaxMethodLength);
            Uri = WireText.Decode(TextLine.Word(rest, out _), MaxUriLength);
        }

        if (UserAgent is null && HeaderBlock.TryGet(client, "user-agent"u8, default, out var ua))
        {
            UserAgent = WireText.Decode(ua, MaxHeaderLength);
            if (ApplicationName is null && HeaderBlock.TryProduct(ua, out var n, out var v))
            {
                ApplicationName = n;
                ApplicationVersion = v;
            }
        }

        if (StatusCode == 0 && TextLine.First(server, out var status) == TextLine.LineState.Complete &&
            (StartLine.IsStatusLine(status, "rtsp/1.0 "u8) || StartLine.IsStatusLine(status, "rtsp/2.0 "u8)))
        {
            StatusCode = StartLine.StatusCode(status, 9);
        }

        if (Server is null && HeaderBlock.TryGet(server, "server"u8, default, out var sv))
        {
            Server = WireText.Decode(sv, MaxHeaderLength);
            if (HeaderBlock.TryProduct(sv, out var n, out var v))
            {
                ApplicationName = n;
                ApplicationVersion = v;
            }
        }

        return Method is not null && StatusCode != 0 && HasHeaderEnd(server);
    }

    private static bool HasHeaderEnd(ReadOnlySpan<byte> s) => s.IndexOf("\r\n\r\n"u8) >= 0 || s.IndexOf("\n\n"u8) >= 0;

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (Uri is not null)
        {
            writer.WriteStartObject(JsonNames.Url);
            Output.JsonStringCache.WriteString(writer, JsonNames.Original, Uri);
            writer.WriteEndObject();
        }

        if (UserAgent is not null)
        {
            writer.WriteStartObject(JsonNames.UserAgent);
            Output.JsonStringCache.WriteString(writer, JsonNames.Original, UserAgent);
            writer.WriteEndObject();
        }
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Rtsp);
        if (Method is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Method, Method);
        }

        if (StatusCode != 0)
        {
            writer.WriteNumber(JsonNames.StatusCode, StatusCode);
        }

        if (Server is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Server, Server);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Method = JsonEncodedText.Encode("method");
    public static readonly JsonEncodedText Original = JsonEncodedText.Encode("original");
    public static readonly JsonEncodedText Rtsp = JsonEncodedText.Encode("rtsp");
    public static readonly JsonEncodedText Server = JsonEncodedText.Encode("server");
    public static readonly JsonEncodedText StatusCode = JsonEncodedText.Encode("status_code");
    public static readonly JsonEncodedText Url = JsonEncodedText.Encode("url");
    public static readonly JsonEncodedText UserAgent = JsonEncodedText.Encode("user_agent");
}
