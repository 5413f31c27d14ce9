using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Dns;

/// <summary>
/// DNS over UDP (one message per datagram) and TCP (RFC 1035 §4.2.2 two-byte length prefix). mDNS and LLMNR
/// share the wire format and are reported as <c>dns</c> with <c>sniffer.dns.variant</c> when the message shows it.
/// </summary>
public sealed class DnsFingerprinter : IFingerprinter
{
    public static readonly DnsFingerprinter Instance = new();

    /// <summary>TCP length prefix size.</summary>
    public const int TcpPrefixLength = 2;

    public string Name => "dns";

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = ProbeSide(context.Client, context.Transport, context.ClientComplete, out bool clientResponse, out ushort clientId);
        var server = ProbeSide(context.Server, context.Transport, context.ServerComplete, out bool serverResponse, out ushort serverId);
        if ((!context.Client.IsEmpty && client == DnsShape.NoMatch) || (!context.Server.IsEmpty && server == DnsShape.NoMatch))
        {
            return ProbeResult.NoMatch;
        }

        bool clientOk = client >= DnsShape.Questions;
        bool serverOk = server >= DnsShape.Questions;
        if (clientOk && serverOk && clientId == serverId && !clientResponse && serverResponse)
        {
            return ProbeResult.Matched(Confidence.High, "dns.query_response");
        }

        if (clientOk || serverOk)
        {
            // Report the direction that validated best; a complete message is High, a header + questions Medium.
            bool useClient = clientOk && (client >= server || !serverOk);
            var shape = useClient ? client : server;
            bool response = useClient ? clientResponse : serverResponse;
            var confidence = shape == DnsShape.Complete ? Confidence.High : Confidence.Medium;
            return ProbeResult.Matched(confidence, response ? "dns.response" : "dns.query");
        }

        if (context.Client.IsEmpty && context.Server.IsEmpty)
        {
            return ProbeResult.NeedMore;
        }

        return (context.ClientComplete || context.Client.IsEmpty) && (context.ServerComplete || context.Server.IsEmpty)
            && client != DnsShape.NeedMore && server != DnsShape.NeedMore
            ? ProbeResult.NoMatch
            : ProbeResult.NeedMore;
    }

    private static DnsShape ProbeSide(ReadOnlySpan<byte> bytes, Transport transport, bool complete, out bool response, out ushort id)
    {
        response = false;
        id = 0;
        if (bytes.IsEmpty)
        {
            return DnsShape.NeedMore;
        }

        if (!TryMessage(bytes, transport, complete, out var message, out int declared, out bool final))
        {
            return complete ? DnsShape.NoMatch : DnsShape.NeedMore;
        }

        var shape = DnsParser.Validate(message, declared, final, out _);
        if (shape >= DnsShape.Questions)
        {
            response = DnsParser.IsResponse(message);
            id = DnsParser.Id(message);
        }

        return shape;
    }

    /// <summary>The first message of a direction: the datagram (UDP) or the length-prefixed message (TCP).</summary>
    internal static bool TryMessage(ReadOnlySpan<byte> bytes, Transport transport, bool complete,
        out ReadOnlySpan<byte> message, out int declaredLength, out bool final)
    {
        if (transport == Transport.Udp)
        {
            message = bytes;
            declaredLength = bytes.Length;
            final = true;
            return true;
        }

        message = default;
        declaredLength = 0;
        final = complete;
        if (bytes.Length < TcpPrefixLength)
        {
            return false;
        }

        declaredLength = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        message = bytes[TcpPrefixLength..];
        if (message.Length > declaredLength)
        {
            message = message[..declaredLength];
        }

        return true;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as DnsMetadata ?? new DnsMetadata();
        metadata = meta;
        if (!meta.QueryParsed && TryWhole(context.Client, context.Transport, context.ClientComplete, out var query))
        {
            meta.Parse(query, fromServer: false);
        }

        if (!meta.ResponseParsed && TryWhole(context.Server, context.Transport, context.ServerComplete, out var answer))
        {
            meta.Parse(answer, fromServer: true);
        }

        return meta.ResponseParsed || (meta.QueryParsed && context.ServerComplete);
    }

    private static bool TryWhole(ReadOnlySpan<byte> bytes, Transport transport, bool complete, out ReadOnlySpan<byte> message)
    {
        if (bytes.IsEmpty || !TryMessage(bytes, transport, complete, out message, out int declared, out _)
            || message.Length < DnsParser.HeaderLength)
        {
            message = default;
            return false;
        }

        return message.Length >= declared || complete;
    }
}
