using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Sip;

/// <summary>
/// SIP metadata: <c>user_agent.original</c> (ECS, User-Agent), <c>sniffer.sip.method</c>, <c>.uri</c>, <c>.from</c>,
/// <c>.to</c>, <c>.call_id</c>, <c>.status_code</c>; application from Server (else User-Agent).
/// </summary>
public sealed class SipMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>Longest URI / header value kept.</summary>
    public const int MaxValueLength = 256;

    public string? Method { get; private set; }
    public string? Uri { get; private set; }
    public string? From { get; private set; }
    public string? To { get; private set; }
    public string? CallId { get; private set; }
    public string? UserAgent { get; private set; }
    public int StatusCode { get; private set; }

    private bool _serverHeaderSeen;

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        ParseMessage(client);
        ParseMessage(server);
        return Method is not null && StatusCode != 0 && HasHeaderEnd(client) && HasHeaderEnd(server);
    }

    private static bool HasHeaderEnd(ReadOnlySpan<byte> s) => s.IndexOf("\r\n\r\n"u8) >= 0 || s.IndexOf("\n\n"u8) >= 0;

    private void ParseMessage(ReadOnlySpan<byte> message)
    {
        if (TextLine.First(message, out var line) != TextLine.LineState.Complete)
        {
            return;
        }

        if (StartLine.IsStatusLine(line, "sip/2.0 "u8))
        {
            if (StatusCode == 0)
            {
                StatusCode = StartLine.StatusCode(line, 8);
            }
        }
        else if (Method is null)
        {
            var method = TextLine.Word(line, out var rest);
            Method = WireText.Decode(method, StartLine.MaxMethodLength);
            Uri = WireText.Decode(TextLine.Word(rest, out _), MaxValueLength);
        }

        if (From is null && HeaderBlock.TryGet(message, "from"u8, "f"u8, out var v))
        {
            From = WireText.Decode(v, MaxValueLength);
        }

        if (To is null && HeaderBlock.TryGet(message, "to"u8, "t"u8, out v))
        {
            To = WireText.Decode(v, MaxValueLength);
        }

        if (CallId is null && HeaderBlock.TryGet(message, "call-id"u8, "i"u8, out v))
        {
            CallId = WireText.Decode(v, MaxValueLength);
        }

        if (UserAgent is null && HeaderBlock.TryGet(message, "user-agent"u8, default, out v))
        {
            UserAgent = WireText.Decode(v, MaxValueLength);
            if (ApplicationName is null && HeaderBlock.TryProduct(v, out var n, out var ver))
            {
                ApplicationName = n;
                ApplicationVersion = ver;
            }
        }

        if (!_serverHeaderSeen && HeaderBlock.TryGet(message, "server"u8, default, out v) && HeaderBlock.TryProduct(v, out var sn, out var sv))
        {
            _serverHeaderSeen = true;
            ApplicationName = sn;
            ApplicationVersion = sv;
        }
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (UserAgent is not null)
        {
            writer.WriteStartObject(JsonNames.UserAgent);
            Output.JsonStringCache.WriteString(writer, JsonNames.Original, UserAgent);
            writer.WriteEndObject();
        }
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Sip);
        WriteIf(writer, "method"u8, Method);
        WriteIf(writer, "uri"u8, Uri);
        WriteIf(writer, "from"u8, From);
        WriteIf(writer, "to"u8, To);
        WriteIf(writer, "call_id"u8, CallId);
        if (StatusCode != 0)
        {
            writer.WriteNumber(JsonNames.StatusCode, StatusCode);
        }

        writer.WriteEndObject();
    }

    private static void WriteIf(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Original = JsonEncodedText.Encode("original");
    public static readonly JsonEncodedText Sip = JsonEncodedText.Encode("sip");
    public static readonly JsonEncodedText StatusCode = JsonEncodedText.Encode("status_code");
    public static readonly JsonEncodedText UserAgent = JsonEncodedText.Encode("user_agent");
}
