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

        writer.WriteStartObject("log");
        writer.WriteStartObject("syslog");
        writer.WriteNumber("priority", Priority);
        writer.WriteStartObject("facility");
        writer.WriteNumber("code", Priority >> 3);
        writer.WriteEndObject();
        writer.WriteStartObject("severity");
        writer.WriteNumber("code", Priority & 7);
        writer.WriteEndObject();
        if (Hostname is not null)
        {
            writer.WriteString("hostname", Hostname);
        }

        if (AppName is not null)
        {
            writer.WriteString("appname", AppName);
        }

        if (ProcId is not null)
        {
            writer.WriteString("procid", ProcId);
        }

        if (MsgId is not null)
        {
            writer.WriteString("msgid", MsgId);
        }

        if (Version is int version)
        {
            writer.WriteString("version", version == 1 ? "1" : "0");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
