using System.Buffers.Binary;

namespace Sniffer.Decoding;

public enum DecodeStatus : byte
{
    /// <summary>A TCP or UDP packet was decoded.</summary>
    Ok,
    /// <summary>Valid, but not something flows are built from (ARP, ICMP, non-first fragment...).</summary>
    Skipped,
    /// <summary>Cut short before the transport header (counted as an anomaly).</summary>
    Truncated,
    /// <summary>A header is invalid (counted as an anomaly).</summary>
    Malformed,
    UnsupportedLinkType,
}

/// <summary>
/// What the decode chain found in one frame: the innermost IP 5-tuple and where the transport payload lies in
/// the frame. A plain struct of offsets, so it can be kept beside the frame without copying bytes.
/// </summary>
public struct DecodedPacket
{
    public IpAddr Source;
    public IpAddr Destination;
    public ushort SourcePort;
    public ushort DestinationPort;
    /// <summary>6 (TCP) or 17 (UDP).</summary>
    public byte Protocol;
    public TcpFlags TcpFlags;
    public uint Sequence;
    public uint Acknowledgment;
    /// <summary>Offset of the transport payload within the frame.</summary>
    public int PayloadOffset;
    /// <summary>Captured payload bytes available at <see cref="PayloadOffset"/>.</summary>
    public int PayloadLength;
    /// <summary>Payload length the headers claim (larger than PayloadLength when the snap length cut it).</summary>
    public int ClaimedPayloadLength;
    /// <summary>Length of the innermost IP packet as its header claims (the flow byte counters use this).</summary>
    public int IpLength;
    /// <summary>Outermost 802.1Q VLAN id, 0 when untagged.</summary>
    public ushort VlanId;
    public bool SnapTruncated;

    public readonly bool IsTcp => Protocol == 6;
}

/// <summary>
/// The decode chain: link layer → VLAN/MPLS/PPPoE → IPv4/IPv6 (with IP-in-IP and 6in4) → TCP/UDP.
/// Never throws, never allocates; malformed input gives a status and a named anomaly counter.
/// </summary>
public static class PacketDecoder
{
    /// <summary>Stacked 802.1Q/802.1ad tags followed before giving up.</summary>
    public const int MaxVlanTags = 4;
    /// <summary>MPLS labels followed before giving up.</summary>
    public const int MaxMplsLabels = 8;
    /// <summary>IP-in-IP nesting followed before giving up.</summary>
    public const int MaxIpNesting = 4;

    public const byte ProtoIpIp = 4;
    public const byte ProtoTcp = 6;
    public const byte ProtoUdp = 17;
    public const byte ProtoIpv6 = 41;

    public static DecodeStatus Decode(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        packet = default;
        switch (linkType)
        {
            case LinkType.Ethernet:
                if (!EthernetDecoder.TryDecode(frame, out var eth, out int used))
                {
                    return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                }

                return DecodeEtherType(eth.EtherType, frame, used, ref packet, anomalies);

            case LinkType.LinuxSll:
                // 16 bytes: packet type, ARPHRD, addr len, 8-byte addr, protocol (big endian)
                if (frame.Length < 16)
                {
                    return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                }

                return DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame[14..]), frame, 16, ref packet, anomalies);

            case LinkType.LinuxSll2:
                // 20 bytes: protocol (BE), reserved, ifindex, ARPHRD, packet type, addr len, 8-byte addr
                if (frame.Length < 20)
                {
                    return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                }

                return DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame), frame, 20, ref packet, anomalies);

            case LinkType.Raw:
                return DecodeIpByVersion(frame, 0, ref packet, anomalies);

            case LinkType.Ipv4:
            case LinkType.Ipv6:
                return DecodeIpByVersion(frame, 0, ref packet, anomalies);

            case LinkType.Null:
            case LinkType.Loop:
                {
                    if (frame.Length < 4)
                    {
                        return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                    }

                    // The family is in the writer's byte order (NULL) or network order (LOOP); AF_INET is 2 everywhere,
                    // AF_INET6 is 10/24/28/30 depending on the OS. Look at the IP version nibble instead of guessing.
                    return DecodeIpByVersion(frame, 4, ref packet, anomalies);
                }

            default:
                return DecodeStatus.UnsupportedLinkType;
        }
    }

    private static DecodeStatus DecodeEtherType(ushort etherType, ReadOnlySpan<byte> frame, int offset, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        for (int tags = 0; ; tags++)
        {
            switch (etherType)
            {
                case EtherType.Ipv4:
                case EtherType.Ipv6:
                    return DecodeIp(etherType == EtherType.Ipv6 ? 6 : 4, frame, offset, 0, ref packet, anomalies);

                case EtherType.Vlan:
                case EtherType.QinQ:
                case EtherType.QinQOld:
                    if (tags >= MaxVlanTags)
                    {
                        return Count(anomalies, Anomaly.TooManyVlanTags, DecodeStatus.Malformed);
                    }

                    if (!VlanDecoder.TryDecode(frame[offset..], out ushort vlanId, out etherType))
                    {
                        return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                    }

                    if (packet.VlanId == 0)
                    {
                        packet.VlanId = vlanId;
                    }

                    offset += VlanDecoder.TagLength;
                    continue;

                case EtherType.Mpls:
                case EtherType.MplsMulticast:
                    for (int labels = 0; ; labels++)
                    {
                        if (labels >= MaxMplsLabels)
                        {
                            return Count(anomalies, Anomaly.TooManyMplsLabels, DecodeStatus.Malformed);
                        }

                        if (frame.Length < offset + 4)
                        {
                            return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                        }

                        bool bottom = (frame[offset + 2] & 0x01) != 0;
                        offset += 4;
                        if (bottom)
                        {
                            break;
                        }
                    }

                    return DecodeIpByVersion(frame, offset, ref packet, anomalies);

                case EtherType.PppoeSession:
                    // 6-byte PPPoE header, then a 2-byte PPP protocol: 0x0021 IPv4, 0x0057 IPv6.
                    if (frame.Length < offset + 8)
                    {
                        return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
                    }

                    ushort ppp = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 6)..]);
                    offset += 8;
                    return ppp switch
                    {
                        0x0021 => DecodeIp(4, frame, offset, 0, ref packet, anomalies),
                        0x0057 => DecodeIp(6, frame, offset, 0, ref packet, anomalies),
                        _ => Count(anomalies, Anomaly.NonIpFrame, DecodeStatus.Skipped),
                    };

                default:
                    return Count(anomalies, Anomaly.NonIpFrame, DecodeStatus.Skipped);
            }
        }
    }

    private static DecodeStatus DecodeIpByVersion(ReadOnlySpan<byte> frame, int offset, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        if (frame.Length <= offset)
        {
            return Count(anomalies, Anomaly.TruncatedLinkHeader, DecodeStatus.Truncated);
        }

        return (frame[offset] >> 4) switch
        {
            4 => DecodeIp(4, frame, offset, 0, ref packet, anomalies),
            6 => DecodeIp(6, frame, offset, 0, ref packet, anomalies),
            _ => Count(anomalies, Anomaly.BadIpVersion, DecodeStatus.Malformed),
        };
    }

    private static DecodeStatus DecodeIp(int version, ReadOnlySpan<byte> frame, int offset, int depth, ref DecodedPacket packet, AnomalyCounters anomalies)
    {
        if (depth > MaxIpNesting)
        {
            return Count(anomalies, Anomaly.TunnelTooDeep, DecodeStatus.Malformed);
        }

        ReadOnlySpan<byte> ip = frame[offset..];
        byte protocol;
        int headerLength;
        int payloadLength;
        bool snapTruncated;
        if (version == 4)
        {
            var status = Ipv4Decoder.TryDecode(ip, out var h4, out headerLength, out payloadLength, out snapTruncated);
            if (status != IpDecodeStatus.Ok)
            {
                return status == IpDecodeStatus.Truncated
                    ? Count(anomalies, Anomaly.TruncatedIpv4, DecodeStatus.Truncated)
                    : Count(anomalies, (ip.Length > 0 && (ip[0] >> 4) != 4) ? Anomaly.BadIpVersion : Anomaly.BadIpv4HeaderLength, DecodeStatus.Malformed);
            }

            protocol = h4.Protocol;
            if (h4.FragmentOffset != 0)
            {
                return Count(anomalies, Anomaly.IpFragment, DecodeStatus.Skipped);
            }

            if (h4.MoreFragments)
            {
                anomalies.Increment(Anomaly.IpFragment);
            }

            packet.Source = IpAddr.FromV4(h4.Source);
            packet.Destination = IpAddr.FromV4(h4.Destination);
            packet.IpLength = h4.TotalLength != 0 ? h4.TotalLength : headerLength + payloadLength;
        }
        else
        {
            var status = Ipv6Decoder.TryDecode(ip, out var h6, out headerLength, out payloadLength, out protocol,
                out _, out bool nonFirstFragment, out snapTruncated, out bool tooMany);
            if (status != IpDecodeStatus.Ok)
            {
                return status == IpDecodeStatus.Truncated
                    ? Count(anomalies, Anomaly.TruncatedIpv6, DecodeStatus.Truncated)
                    : Count(anomalies, tooMany ? Anomaly.TooManyIpv6ExtensionHeaders : Anomaly.BadIpVersion, DecodeStatus.Malformed);
            }

            if (nonFirstFragment)
            {
                return Count(anomalies, Anomaly.IpFragment, DecodeStatus.Skipped);
            }

            packet.Source = IpAddr.FromV6(h6.Source);
            packet.Destination = IpAddr.FromV6(h6.Destination);
            packet.IpLength = Ipv6Header.Length + (h6.PayloadLength == 0 ? ip.Length - Ipv6Header.Length : h6.PayloadLength);
        }

        if (snapTruncated)
        {
            packet.SnapTruncated = true;
        }

        int transportOffset = offset + headerLength;
        ReadOnlySpan<byte> transport = frame.Slice(transportOffset, Math.Min(payloadLength, frame.Length - transportOffset));
        switch (protocol)
        {
            case ProtoTcp:
                {
                    var status = TcpDecoder.TryDecode(transport, out var tcp, out int tcpLength);
                    if (status != TransportDecodeStatus.Ok)
                    {
                        return status == TransportDecodeStatus.Truncated
                            ? Count(anomalies, Anomaly.TruncatedTcp, DecodeStatus.Truncated)
                            : Count(anomalies, Anomaly.BadTcpDataOffset, DecodeStatus.Malformed);
                    }

                    packet.Protocol = ProtoTcp;
                    packet.SourcePort = tcp.SourcePort;
                    packet.DestinationPort = tcp.DestinationPort;
                    packet.TcpFlags = tcp.Flags;
                    packet.Sequence = tcp.SequenceNumber;
                    packet.Acknowledgment = tcp.AcknowledgmentNumber;
                    packet.PayloadOffset = transportOffset + tcpLength;
                    packet.PayloadLength = transport.Length - tcpLength;
                    packet.ClaimedPayloadLength = packet.IpLength - (headerLength + tcpLength);
                    if (packet.ClaimedPayloadLength < packet.PayloadLength)
                    {
                        packet.ClaimedPayloadLength = packet.PayloadLength;
                    }

                    break;
                }

            case ProtoUdp:
                {
                    var status = UdpDecoder.TryDecode(transport, out var udp, out int udpLength);
                    if (status != TransportDecodeStatus.Ok)
                    {
                        return status == TransportDecodeStatus.Truncated
                            ? Count(anomalies, Anomaly.TruncatedUdp, DecodeStatus.Truncated)
                            : Count(anomalies, Anomaly.BadUdpLength, DecodeStatus.Malformed);
                    }

                    packet.Protocol = ProtoUdp;
                    packet.SourcePort = udp.SourcePort;
                    packet.DestinationPort = udp.DestinationPort;
                    packet.PayloadOffset = transportOffset + udpLength;
                    int claimed = udp.DatagramLength == 0 ? transport.Length - udpLength : udp.DatagramLength - udpLength;
                    int available = transport.Length - udpLength;
                    packet.ClaimedPayloadLength = claimed;
                    packet.PayloadLength = Math.Min(claimed, available);
                    if (claimed > available)
                    {
                        packet.SnapTruncated = true;
                    }

                    break;
                }

            case ProtoIpIp:
                return DecodeIp(4, frame, transportOffset, depth + 1, ref packet, anomalies);

            case ProtoIpv6:
                return DecodeIp(6, frame, transportOffset, depth + 1, ref packet, anomalies);

            case Ipv6Decoder.Esp:
                return Count(anomalies, Anomaly.IpEsp, DecodeStatus.Skipped);

            default:
                return Count(anomalies, Anomaly.OtherTransport, DecodeStatus.Skipped);
        }

        if (packet.SnapTruncated)
        {
            anomalies.Increment(Anomaly.SnapTruncated);
        }

        return DecodeStatus.Ok;
    }

    private static DecodeStatus Count(AnomalyCounters anomalies, Anomaly anomaly, DecodeStatus status)
    {
        anomalies.Increment(anomaly);
        return status;
    }
}
