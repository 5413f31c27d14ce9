using System.Runtime.CompilerServices;
using Sniffer.Decoding;

namespace Sniffer.Flows;

/// <summary>
/// Direction-independent 5-tuple: the lower (address, port) endpoint is always A, so both directions of a
/// conversation map to the same key.
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    public readonly IpAddr A;
    public readonly IpAddr B;
    public readonly ushort PortA;
    public readonly ushort PortB;
    public readonly byte Protocol;
    public readonly ushort VlanId;

    private FlowKey(IpAddr a, ushort portA, IpAddr b, ushort portB, byte protocol, ushort vlanId)
    {
        A = a;
        PortA = portA;
        B = b;
        PortB = portB;
        Protocol = protocol;
        VlanId = vlanId;
    }

    /// <summary>Builds the canonical key; <paramref name="sourceIsA"/> tells whether the packet's source is endpoint A.</summary>
    public static FlowKey Create(in DecodedPacket p, out bool sourceIsA)
    {
        int c = p.Source.CompareTo(p.Destination);
        sourceIsA = c < 0 || (c == 0 && p.SourcePort <= p.DestinationPort);
        return sourceIsA
            ? new FlowKey(p.Source, p.SourcePort, p.Destination, p.DestinationPort, p.Protocol, p.VlanId)
            : new FlowKey(p.Destination, p.DestinationPort, p.Source, p.SourcePort, p.Protocol, p.VlanId);
    }

    public bool Equals(FlowKey other) =>
        PortA == other.PortA && PortB == other.PortB && Protocol == other.Protocol && VlanId == other.VlanId &&
        A.Equals(other.A) && B.Equals(other.B);

    public override bool Equals(object? obj) => obj is FlowKey k && Equals(k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode() => (int)StableHash();

    /// <summary>A deterministic, symmetric hash (same in every process) used to shard flows over workers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint StableHash()
    {
        ulong h = (ulong)(uint)A.GetHashCode() * 0x9E3779B97F4A7C15UL;
        h ^= (ulong)(uint)B.GetHashCode() * 0xC2B2AE3D27D4EB4FUL;
        h ^= ((ulong)PortA << 24) ^ ((ulong)PortB << 8) ^ Protocol ^ ((ulong)VlanId << 40);
        h *= 0x165667B19E3779F9UL;
        return (uint)(h ^ (h >> 29));
    }

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);
}
