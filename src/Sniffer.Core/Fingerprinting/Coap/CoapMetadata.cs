using System.Text;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Coap;

/// <summary>CoAP message fields (ECS has none: <c>sniffer.coap.*</c>).</summary>
public sealed class CoapMetadata : ProtocolMetadata
{
    /// <summary>Longest Uri-Path kept (segments joined with '/').</summary>
    public const int MaxUriPathLength = 512;

    /// <summary>Type of the first message seen ("confirmable", ...).</summary>
    public string? Type { get; private set; }
    /// <summary>Code of the client's message, e.g. "0.01 GET".</summary>
    public string? Code { get; private set; }
    /// <summary>Code of the server's first message, e.g. "2.05 Content".</summary>
    public string? ResponseCode { get; private set; }
    public string? UriPath { get; private set; }

    internal void FillRequest(ReadOnlySpan<byte> d)
    {
        Type = TypeName(d);
        Code = CodeName(d[1]);
        var walker = new CoapParser.OptionWalker(d[(CoapParser.HeaderLength + (d[0] & 0x0F))..]);
        StringBuilder? path = null;
        while (walker.Next(out int number, out var value))
        {
            if (number == CoapParser.OptionUriPath && (path is null || path.Length < MaxUriPathLength))
            {
                path ??= new StringBuilder();
                path.Append('/').Append(WireText.Decode(value, MaxUriPathLength));
            }
        }

        if (path is not null)
        {
            UriPath = WireText.Truncate(path.ToString(), MaxUriPathLength);
        }
    }

    internal void FillResponse(ReadOnlySpan<byte> d)
    {
        Type ??= TypeName(d);
        ResponseCode = CodeName(d[1]);
    }

    private static string TypeName(ReadOnlySpan<byte> d) => ((d[0] >> 4) & 3) switch
    {
        0 => "confirmable",
        1 => "non_confirmable",
        2 => "acknowledgement",
        _ => "reset",
    };

    public static string CodeName(byte code) => code switch
    {
        0x00 => "0.00 Empty",
        0x01 => "0.01 GET",
        0x02 => "0.02 POST",
        0x03 => "0.03 PUT",
        0x04 => "0.04 DELETE",
        0x05 => "0.05 FETCH",
        0x06 => "0.06 PATCH",
        0x07 => "0.07 iPATCH",
        0x41 => "2.01 Created",
        0x42 => "2.02 Deleted",
        0x43 => "2.03 Valid",
        0x44 => "2.04 Changed",
        0x45 => "2.05 Content",
        0x5F => "2.31 Continue",
        0x80 => "4.00 Bad Request",
        0x81 => "4.01 Unauthorized",
        0x82 => "4.02 Bad Option",
        0x83 => "4.03 Forbidden",
        0x84 => "4.04 Not Found",
        0x85 => "4.05 Method Not Allowed",
        0x86 => "4.06 Not Acceptable",
        0x88 => "4.08 Request Entity Incomplete",
        0x89 => "4.09 Conflict",
        0x8C => "4.12 Precondition Failed",
        0x8D => "4.13 Request Entity Too Large",
        0x8F => "4.15 Unsupported Content-Format",
        0x96 => "4.22 Unprocessable Entity",
        0x9D => "4.29 Too Many Requests",
        0xA0 => "5.00 Internal Server Error",
        0xA1 => "5.01 Not Implemented",
        0xA2 => "5.02 Bad Gateway",
        0xA3 => "5.03 Service Unavailable",
        0xA4 => "5.04 Gateway Timeout",
        0xA5 => "5.05 Proxying Not Supported",
        _ => "other",
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (Type is null)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Coap);
        Output.JsonStringCache.WriteString(writer, JsonNames.Type, Type);
        if (Code is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Code, Code);
        }

        if (ResponseCode is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ResponseCode, ResponseCode);
        }

        if (UriPath is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.UriPath, UriPath);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Coap = JsonEncodedText.Encode("coap");
    public static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
    public static readonly JsonEncodedText ResponseCode = JsonEncodedText.Encode("response_code");
    public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    public static readonly JsonEncodedText UriPath = JsonEncodedText.Encode("uri_path");
}
