namespace Sniffer.Fingerprinting.Snmp;

/// <summary>
/// SNMP v1/v2c/v3 over UDP (one message per datagram: the outer SEQUENCE must span the datagram exactly) and over
/// TCP (RFC 3430: BER messages back to back).
/// </summary>
public sealed class SnmpFingerprinter : IFingerprinter
{
    public static readonly SnmpFingerprinter Instance = new();

    public string Name => "snmp";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): UDP: a BER SEQUENCE (0x30) on both sides. TCP waits on any tag whose
    /// length is not complete yet.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => transport == Transport.Tcp ? AcceptedFirstTcp : AcceptedFirstUdp;

    private static readonly FirstBytes AcceptedFirstTcp = FirstBytes.Any;
    private static readonly FirstBytes AcceptedFirstUdp = FirstBytes.Both(ByteSet.Of(0x30));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = ProbeSide(context.Client, context.Transport, context.ClientComplete, out var clientConfidence);
        var server = ProbeSide(context.Server, context.Transport, context.ServerComplete, out var serverConfidence);
        if (client == ProbeStatus.NoMatch || server == ProbeStatus.NoMatch)
        {
            return ProbeResult.NoMatch;
        }

        if (client == ProbeStatus.Match && server == ProbeStatus.Match)
        {
            return ProbeResult.Matched(Confidence.High, "snmp.request_response");
        }

        if (client == ProbeStatus.Match)
        {
            return ProbeResult.Matched(clientConfidence, "snmp.message");
        }

        return server == ProbeStatus.Match ? ProbeResult.Matched(serverConfidence, "snmp.message") : ProbeResult.NeedMore;
    }

    /// <summary>NeedMore for an empty side (it says nothing), else the side's own verdict.</summary>
    private static ProbeStatus ProbeSide(ReadOnlySpan<byte> bytes, Transport transport, bool complete, out Confidence confidence)
    {
        confidence = Confidence.None;
        if (bytes.IsEmpty)
        {
            return ProbeStatus.NeedMoreData;
        }

        var status = SnmpParser.Parse(bytes, out var message);
        bool datagram = transport == Transport.Udp;
        switch (status)
        {
            case BerStatus.Invalid:
                return ProbeStatus.NoMatch;
            case BerStatus.Truncated:
                return datagram || complete ? ProbeStatus.NoMatch : ProbeStatus.NeedMoreData;
        }

        if (datagram && !message.ExactLength)
        {
            return ProbeStatus.NoMatch;
        }

        confidence = message.ExactLength || !datagram ? Confidence.High : Confidence.Medium;
        return ProbeStatus.Match;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as SnmpMetadata ?? new SnmpMetadata();
        metadata = meta;
        if (!context.Client.IsEmpty && SnmpParser.Parse(context.Client, out var request) == BerStatus.Ok)
        {
            meta.Fill(request);
        }

        if (!context.Server.IsEmpty && SnmpParser.Parse(context.Server, out var response) == BerStatus.Ok)
        {
            meta.Fill(response);
        }

        return meta.PduType is not null;
    }
}
