using System.Runtime.CompilerServices;
using Sniffer.Decoding;

namespace Sniffer.Flows;

/// <summary>
/// Direction-independent 5-tuple: the lower (address, port) endpoint is always A, so both directions of a
/// conversation map to the same key. 40 bytes: the addresses are held as four 64-bit words and one IPv6 flag
/// (both endpoints of a packet share the IP version), not as two 24-byte <see cref="IpAddr"/> values.
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    private readonly ulong _aHi;
    private readonly ulong _aLo;
    private readonly ulong _bHi;
    private readonly ulong _bLo;
    public readonly ushort PortA;
    public readonly ushort PortB;
    public readonly ushort VlanId;
    public readonly byte Protocol;
    private readonly bool _v6;

    private FlowKey(IpAddr a, ushort portA, IpAddr b, ushort portB, byte protocol, ushort vlanId)
    {
        _aHi = a.Hi;
        _aLo = a.Lo;
        _bHi = b.Hi;
        _bLo = b.Lo;
        _v6 = a.IsV6;
        PortA = portA;
        PortB = portB;
        Protocol = protocol;
        VlanId = vlanId;
    }

    public IpAddr A => IpAddr.FromParts(_aHi, _aLo, _v6);

    public IpAddr B => IpAddr.FromParts(_bHi, _bLo, _v6);

    /// <summary>Builds the canonical key; <paramref name="sourceIsA"/> tells whether the packet's source is endpoint A.</summary>
    public static FlowKey Create(in DecodedPacket p, out bool sourceIsA) =>
        Create(p.Source, p.SourcePort, p.Destination, p.DestinationPort, p.Protocol, p.VlanId, out sourceIsA);

    /// <summary>Builds the canonical key of a conversation between two endpoints.</summary>
    public static FlowKey Create(IpAddr source, ushort sourcePort, IpAddr destination, ushort destinationPort, byte protocol, ushort vlanId, out bool sourceIsA)
    {
        int c = source.CompareTo(destination);
        sourceIsA = c < 0 || (c == 0 && sourcePort <= destinationPort);
        return sourceIsA
            ? new FlowKey(source, sourcePort, destination, destinationPort, protocol, vlanId)
            : new FlowKey(destination, destinationPort, source, sourcePort, protocol, vlanId);
    }

    public bool Equals(FlowKey other) =>
        _aLo == other._aLo && _bLo == other._bLo && PortA == other.PortA && PortB == other.PortB &&
        _aHi == other._aHi && _bHi == other._bHi && Protocol == other.Protocol && VlanId == other.VlanId && _v6 == other._v6;

    public override bool Equals(object? obj) => obj is FlowKey k && Equals(k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode() => (int)StableHash();

    /// <summary>A deterministic hash (same in every process) of the whole key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint StableHash()
    {
        ulong h = (_aLo ^ (_aHi * 0x9E3779B97F4A7C15UL)) * 0x9E3779B97F4A7C15UL;
        h ^= (_bLo ^ (_bHi * 0xC2B2AE3D27D4EB4FUL)) * 0xC2B2AE3D27D4EB4FUL;
        h ^= ((ulong)PortA << 24) ^ ((ulong)PortB << 8) ^ Protocol ^ ((ulong)VlanId << 40);
        h *= 0x165667B19E3779F9UL;
        return (uint)(h ^ (h >> 29));
    }

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);
}
