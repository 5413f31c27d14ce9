using System.Buffers.Text;
using System.Text;

namespace Sniffer.Output.Delivery;

/// <summary>Syslog facilities (RFC 5424 §6.2.1) by the names rsyslog and logger use.</summary>
public static class SyslogFacility
{
    /// <summary>local0: the facility meant for site-specific programs, easy to route apart from system logs.</summary>
    public const int Default = 16;

    private static readonly string[] Names =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp",
        "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    /// <summary>A facility name (<c>local0</c>, <c>user</c>, …) or its number 0–23.</summary>
    public static bool TryParse(string text, out int facility)
    {
        facility = Array.IndexOf(Names, text.ToLowerInvariant());
        if (facility >= 0)
        {
            return true;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out facility) &&
            facility is >= 0 and < 24;
    }

    public static string Name(int facility) => (uint)facility < (uint)Names.Length ? Names[facility] : facility.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Formats RFC 5424 syslog messages carrying one NDJSON record as MSG:
/// <c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME sniffer PROCID MSGID - {json}</c>, optionally with RFC 6587 octet-counting
/// framing (<c>LEN SP message</c>) for TCP. No structured data (NILVALUE <c>-</c>), severity informational (6).
/// MSG is written without the UTF-8 BOM RFC 5424 suggests: the record is UTF-8 JSON, and a BOM would reach the
/// JSON parser of the receiver (rsyslog keeps it in <c>%msg%</c>). The constant part of the header is encoded
/// once; formatting a message allocates nothing.
/// </summary>
public sealed class Rfc5424Formatter
{
    public const byte Version = 1;
    /// <summary>Severity informational.</summary>
    public const int Severity = 6;
    public const string AppName = "sniffer";
    public const byte NilValue = (byte)'-';
    /// <summary>RFC 5424 §6: field lengths.</summary>
    public const int MaxHostnameLength = 255, MaxAppNameLength = 48, MaxProcIdLength = 128, MaxMsgIdLength = 32;
    /// <summary>"2026-11-26T21:46:15.123456Z": RFC 5424 allows at most 6 fractional digits.</summary>
    public const int TimestampLength = 27;
    /// <summary>Octet-count prefix: up to 10 digits and a space.</summary>
    public const int MaxFramePrefixLength = 11;
    /// <summary>How far into a record its <c>event.action</c> is looked for (it is the second member of the object).</summary>
    public const int KindSearchLength = 512;

    private readonly byte[] _pri;
    private readonly byte[] _middle;

    /// <param name="hostname">HOSTNAME; cut to 255, characters outside printable US-ASCII replaced; empty → NILVALUE.</param>
    public Rfc5424Formatter(int facility, string? hostname, int processId)
    {
        if (facility is < 0 or > 23)
        {
            throw new ArgumentOutOfRangeException(nameof(facility));
        }

        Facility = facility;
        _pri = Encoding.ASCII.GetBytes($"<{facility * 8 + Severity}>{Version} ");
        string host = PrintableField(hostname, MaxHostnameLength);
        string procId = PrintableField(processId.ToString(System.Globalization.CultureInfo.InvariantCulture), MaxProcIdLength);
        _middle = Encoding.ASCII.GetBytes($" {host} {AppName} {procId} ");
    }

    public int Facility { get; }

    /// <summary>Bytes of header around TIMESTAMP and MSGID: the message is this + timestamp + MSGID + " - " + MSG.</summary>
    public int HeaderLength(int msgIdLength) => _pri.Length + TimestampLength + _middle.Length + msgIdLength + 3;

    /// <summary>
    /// Writes one message (with its octet-count prefix when <paramref name="octetCounted"/>); returns the bytes
    /// written, or -1 when <paramref name="destination"/> is too small.
    /// </summary>
    /// <param name="msgId">MSGID: printable US-ASCII, 1–32 bytes (see <see cref="RecordKind"/>), or "-".</param>
    public int Format(Span<byte> destination, long unixMicroseconds, ReadOnlySpan<byte> msgId, ReadOnlySpan<byte> msg, bool octetCounted)
    {
        int length = HeaderLength(msgId.Length) + msg.Length;
        int at = 0;
        if (octetCounted)
        {
            if (!Utf8Formatter.TryFormat(length, destination, out at) || at >= destination.Length)
            {
                return -1;
            }

            destination[at++] = (byte)' ';
        }

        if (destination.Length - at < length)
        {
            return -1;
        }

        var d = destination[at..];
        _pri.CopyTo(d);
        int n = _pri.Length;
        FormatTimestamp(unixMicroseconds, d[n..]);
        n += TimestampLength;
        _middle.CopyTo(d[n..]);
        n += _middle.Length;
        msgId.CopyTo(d[n..]);
        n += msgId.Length;
        d[n++] = (byte)' ';
        d[n++] = NilValue; // STRUCTURED-DATA
        d[n++] = (byte)' ';
        msg.CopyTo(d[n..]);
        return at + n + msg.Length;
    }

    /// <summary>
    /// MSGID for a record: its <c>event.action</c> (<c>flow_end</c>, <c>protocol_detected</c>, <c>port_summary</c>),
    /// found as the first <c>"action":"</c> — which cannot occur inside a JSON string, whose quotes are escaped,
    /// and comes before any field taken from the wire. "-" when absent or not a valid MSGID.
    /// </summary>
    public static ReadOnlySpan<byte> RecordKind(ReadOnlySpan<byte> record)
    {
        ReadOnlySpan<byte> key = "\"action\":\""u8;
        var head = record[..Math.Min(record.Length, KindSearchLength)];
        int i = head.IndexOf(key);
        if (i < 0)
        {
            return "-"u8;
        }

        var value = record[(i + key.Length)..];
        int end = value[..Math.Min(value.Length, MaxMsgIdLength + 1)].IndexOf((byte)'"');
        if (end <= 0)
        {
            return "-"u8;
        }

        value = value[..end];
        foreach (byte b in value)
        {
            if (b is < 33 or > 126 or (byte)'\\')
            {
                return "-"u8;
            }
        }

        return value;
    }

    /// <summary>"YYYY-MM-DDThh:mm:ss.ffffffZ" (UTC, microseconds).</summary>
    public static void FormatTimestamp(long unixMicroseconds, Span<byte> destination)
    {
        Span<byte> ns = stackalloc byte[Rfc3339.Length];
        long clamped = Math.Clamp(unixMicroseconds, 0, long.MaxValue / 1000);
        Rfc3339.Format(clamped * 1000, ns);
        ns[..26].CopyTo(destination); // "…:ss." + 6 of the 9 fraction digits
        destination[26] = (byte)'Z';
    }

    /// <summary>A header field: printable US-ASCII (33–126) only, others as '_', cut to <paramref name="max"/>; empty → "-".</summary>
    public static string PrintableField(string? value, int max)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "-";
        }

        var sb = new StringBuilder(Math.Min(value.Length, max));
        foreach (char c in value)
        {
            if (sb.Length == max)
            {
                break;
            }

            sb.Append(c is >= (char)33 and <= (char)126 ? c : '_');
        }

        return sb.ToString();
    }
}
