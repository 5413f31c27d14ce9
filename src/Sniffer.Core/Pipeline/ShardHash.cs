using System.Buffers.Binary;
using Sniffer.Decoding;

namespace Sniffer.Pipeline;

/// <summary>
/// Picks a packet's worker from its raw headers, without the full decode: the common shape — Ethernet, 802.1Q
/// tags, IPv4 (or IPv6 without extension headers) carrying TCP or UDP that is not a tunnel — is hashed straight
/// from the address bytes at their offsets, with the same function as <see cref="DecodedPacket.AddressPairHash()"/>
/// so a flow lands on the same worker whichever way its packets are hashed. Anything else (tunnels, MPLS, PPPoE,
/// IPv6 extension headers, other link types, odd headers) returns false and the caller decodes.
/// </summary>
public static class ShardHash
{
    public static bool TryCompute(int linkType, ReadOnlySpan<byte> frame, out uint hash)
    {
        hash = 0;
        if (linkType != LinkType.Ethernet || frame.Length < EthernetHeader.Length)
        {
            return false;
        }

        ushort vlanId = 0;
        int offset = EthernetHeader.Length;
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        for (int tags = 0; etherType is EtherType.Vlan or EtherType.QinQ or EtherType.QinQOld; tags++)
        {
            if (tags >= PacketDecoder.MaxVlanTags || frame.Length < offset + VlanDecoder.TagLength)
            {
                return false;
            }

            if (vlanId == 0)
            {
                vlanId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]) & 0x0FFF);
            }

            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
            offset += VlanDecoder.TagLength;
        }

        var ip = frame[offset..];
        IpAddr source, destination;
        int protocol, transportOffset;
        if (etherType == EtherType.Ipv4)
        {
            if (ip.Length < 20 || (ip[0] >> 4) != 4)
            {
                return false;
            }

            int headerLength = (ip[0] & 0x0F) * 4;
            if (headerLength < 20 || ip.Length < headerLength)
            {
                return false;
            }

            protocol = ip[9];
            source = IpAddr.FromV4(ip.Slice(12, 4));
            destination = IpAddr.FromV4(ip.Slice(16, 4));
            // A fragment is sharded by its addresses, as the decoder's Fragment status is.
            if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0)
            {
                hash = DecodedPacket.AddressPairHash(source, destination, vlanId);
                return true;
            }

            transportOffset = headerLength;
        }
        else if (etherType == EtherType.Ipv6)
        {
            if (ip.Length < 40 || (ip[0] >> 4) != 6)
            {
                return false;
            }

            protocol = ip[6];
            source = IpAddr.FromV6(ip.Slice(8, 16));
            destination = IpAddr.FromV6(ip.Slice(24, 16));
            transportOffset = 40;
        }
        else
        {
            return false;
        }

        if (protocol == PacketDecoder.ProtoUdp)
        {
            if (ip.Length < transportOffset + 4)
            {
                return false;
            }

            ushort sp = BinaryPrimitives.ReadUInt16BigEndian(ip[transportOffset..]);
            ushort dp = BinaryPrimitives.ReadUInt16BigEndian(ip[(transportOffset + 2)..]);
            if (sp is PacketDecoder.VxlanPort or PacketDecoder.GenevePort or PacketDecoder.TeredoPort ||
                dp is PacketDecoder.VxlanPort or PacketDecoder.GenevePort or PacketDecoder.TeredoPort)
            {
                return false; // the flow is the tunnelled one inside
            }
        }
        else if (protocol != PacketDecoder.ProtoTcp)
        {
            return false;
        }

        hash = DecodedPacket.AddressPairHash(source, destination, vlanId);
        return true;
    }
}
