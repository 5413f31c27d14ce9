using System.Text.Json;

namespace Sniffer.Fingerprinting.Syslog;

/// <summary>Header of the first syslog message (ECS <c>log.syslog.*</c>).</summary>
public sealed class SyslogMetadata : ProtocolMetadata
{
    /// <summary>Longest RFC 5424 APP-NAME (48) / BSD tag kept.</summary>
    public const int MaxAppNameLength = 48;
    /// <summary>Longest PROCID (RFC 5424: 128).</summary>
    public const int MaxProcIdLength = 128;
    /// <summary>Longest MSGID (RFC 5424: 32).</summary>
    public const int MaxMsgIdLength = 32;

    public int Priority { get; private set; } = -1;
    public int? Version { get; private set; }
    public string? Hostname { get; private set; }
    public string? AppName { get; private set; }
    public string? ProcId { get; private set; }
    public string? MsgId { get; private set; }

    internal void Parse(ReadOnlySpan<byte> m)
    {
        var format = SyslogParser.Recognise(m, final: true, out int priority, out int offset, out _);
        if (format == SyslogFormat.None)
        {
            return;
        }

        Priority = priority;
        if (format == SyslogFormat.Rfc5424)
        {
            // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID ...
            Version = 1;
            offset += 2;
            _ = SyslogParser.Token(m, ref offset);
            Hostname = Field(SyslogParser.Token(m, ref offset), SyslogParser.MaxTokenLength);
            AppName = Field(SyslogParser.Token(m, ref offset), MaxAppNameLength);
            ProcId = Field(SyslogParser.Token(m, ref offset), MaxProcIdLength);
            MsgId = Field(SyslogParser.Token(m, ref offset), MaxMsgIdLength);
            return;
        }

        if (format == SyslogFormat.Rfc3164)
        {
            // <PRI>Mmm dd hh:mm:ss [HOSTNAME] TAG[PID]: MSG
            if (offset < m.Length && m[offset] == ' ')
            {
                offset++;
            }

            offset += 16;
            var first = SyslogParser.Token(m, ref offset);
            if (first.IsEmpty)
            {
                return;
            }

            bool firstIsTag = first[^1] == ':' || first.IndexOf((byte)'[') >= 0;
            var tag = first;
            if (!firstIsTag)
            {
                Hostname = Field(first, SyslogParser.MaxTokenLength);
                tag = SyslogParser.Token(m, ref offset);
            }

            int bracket = tag.IndexOf((byte)'[');
            int colon = tag.IndexOf((byte)':');
            int end = bracket >= 0 ? bracket : colon;
            if (end > 0 && (colon >= 0 || bracket >= 0))
            {
                AppName = WireText.Decode(tag[..end], MaxAppNameLength);
                if (bracket >= 0)
                {
                    int close = tag.IndexOf((byte)']');
                    if (close > bracket + 1)
                    {
                        ProcId = WireText.Decode(tag[(bracket + 1)..close], MaxProcIdLength);
                    }
                }
            }
        }
    }

    /// <summary>RFC 5424 NILVALUE "-" means absent.</summary>
    private static string? Field(ReadOnlySpan<byte> token, int limit) =>
        token.IsEmpty || (token.Length == 1 && token[0] == '-') ? null : WireText.Decode(token, limit);

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (Priority < 0)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Log);
        writer.WriteStartObject(JsonNames.Syslog);
        writer.WriteNumber(JsonNames.Priority, Priority);
        writer.WriteStartObject(JsonNames.Facility);
        writer.WriteNumber(JsonNames.Code, Priority >> 3);
        writer.WriteEndObject();
        writer.WriteStartObject(JsonNames.Severity);
        writer.WriteNumber(JsonNames.Code, Priority & 7);
        writer.WriteEndObject();
        if (Hostname is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Hostname, Hostname);
        }

        if (AppName is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Appname, AppName);
        }

        if (ProcId is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Procid, ProcId);
        }

        if (MsgId is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Msgid, MsgId);
        }

        if (Version is int version)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Version, version == 1 ? "1" : "0");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Appname = JsonEncodedText.Encode("appname");
    public static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
    public static readonly JsonEncodedText Facility = JsonEncodedText.Encode("facility");
    public static readonly JsonEncodedText Hostname = JsonEncodedText.Encode("hostname");
    public static readonly JsonEncodedText Log = JsonEncodedText.Encode("log");
    public static readonly JsonEncodedText Msgid = JsonEncodedText.Encode("msgid");
    public static readonly JsonEncodedText Priority = JsonEncodedText.Encode("priority");
    public static readonly JsonEncodedText Procid = JsonEncodedText.Encode("procid");
    public static readonly JsonEncodedText Severity = JsonEncodedText.Encode("severity");
    public static readonly JsonEncodedText Syslog = JsonEncodedText.Encode("syslog");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
}
