namespace Sniffer.Fingerprinting.Syslog;

/// <summary>
/// Syslog over UDP (RFC 5426) and TCP (RFC 6587: octet counting or LF-delimited). Requires a valid
/// <c>&lt;PRI&gt;</c> (1–3 digits, no leading zero, at most 191) and then an RFC 5424 header, a BSD timestamp, or
/// printable text.
/// </summary>
public sealed class SyslogFingerprinter : IFingerprinter
{
    public static readonly SyslogFingerprinter Instance = new();

    public string Name => "syslog";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): '<' PRI on both sides; over TCP also an octet count's first digit.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => transport == Transport.Tcp ? AcceptedFirstTcp : AcceptedFirstUdp;

    private static readonly FirstBytes AcceptedFirstTcp =
        FirstBytes.Both(ByteSet.Range((byte)'1', (byte)'9').With((byte)'<'));
    private static readonly FirstBytes AcceptedFirstUdp = FirstBytes.Both(ByteSet.Of((byte)'<'));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = ProbeSide(context.Client, context.Transport, context.ClientComplete, out var clientFormat);
        var server = ProbeSide(context.Server, context.Transport, context.ServerComplete, out var serverFormat);
        if ((!context.Client.IsEmpty && client == ProbeStatus.NoMatch) || (!context.Server.IsEmpty && server == ProbeStatus.NoMatch))
        {
            return ProbeResult.NoMatch;
        }

        if (client != ProbeStatus.Match && server != ProbeStatus.Match)
        {
            return (context.Client.IsEmpty || context.ClientComplete) && (context.Server.IsEmpty || context.ServerComplete)
                && !(context.Client.IsEmpty && context.Server.IsEmpty)
                ? ProbeResult.NoMatch
                : ProbeResult.NeedMore;
        }

        var format = (SyslogFormat)Math.Max((byte)clientFormat, (byte)serverFormat);
        return format switch
        {
            SyslogFormat.Rfc5424 => ProbeResult.Matched(Confidence.High, "syslog.rfc5424"),
            SyslogFormat.Rfc3164 => ProbeResult.Matched(Confidence.High, "syslog.rfc3164"),
            _ => ProbeResult.Matched(Confidence.Medium, "syslog.pri"),
        };
    }

    private static ProbeStatus ProbeSide(ReadOnlySpan<byte> bytes, Transport transport, bool complete, out SyslogFormat format)
    {
        format = SyslogFormat.None;
        if (bytes.IsEmpty)
        {
            return ProbeStatus.NeedMoreData;
        }

        bool final = transport == Transport.Udp || complete;
        int start = 0;
        if (transport == Transport.Tcp)
        {
            start = SyslogParser.SkipOctetCount(bytes);
            if (start == -2)
            {
                return final ? ProbeStatus.NoMatch : ProbeStatus.NeedMoreData;
            }

            if (start < 0)
            {
                return ProbeStatus.NoMatch;
            }
        }

        format = SyslogParser.Recognise(bytes[start..], final, out _, out _, out bool needMore);
        if (format != SyslogFormat.None)
        {
            return ProbeStatus.Match;
        }

        return needMore ? ProbeStatus.NeedMoreData : ProbeStatus.NoMatch;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as SyslogMetadata ?? new SyslogMetadata();
        metadata = meta;
        if (meta.Priority >= 0)
        {
            return true;
        }

        var bytes = context.Client.IsEmpty ? context.Server : context.Client;
        int start = context.Transport == Transport.Tcp ? Math.Max(0, SyslogParser.SkipOctetCount(bytes)) : 0;
        meta.Parse(bytes[start..]);
        return true;
    }
}
