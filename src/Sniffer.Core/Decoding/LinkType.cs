namespace Sniffer.Decoding;

/// <summary>libpcap LINKTYPE_* values this decoder understands (https://www.tcpdump.org/linktypes.html).</summary>
public static class LinkType
{
    public const int Null = 0;          // BSD loopback: 4-byte host-order address family
    public const int Ethernet = 1;
    public const int Raw = 101;         // raw IPv4/IPv6
    public const int Loop = 108;        // OpenBSD loopback: 4-byte network-order address family
    public const int LinuxSll = 113;    // Linux cooked capture v1
    public const int Ipv4 = 228;
    public const int Ipv6 = 229;
    public const int LinuxSll2 = 276;   // Linux cooked capture v2 (tcpdump -i any)

    public static bool IsSupported(int linkType) => linkType is Null or Ethernet or Raw or Loop or LinuxSll or Ipv4 or Ipv6 or LinuxSll2;
}

/// <summary>EtherType values.</summary>
public static class EtherType
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Vlan = 0x8100;
    public const ushort Ipv6 = 0x86DD;
    public const ushort QinQ = 0x88A8;
    public const ushort QinQOld = 0x9100;
    public const ushort Mpls = 0x8847;
    public const ushort MplsMulticast = 0x8848;
    public const ushort PppoeSession = 0x8864;
}
