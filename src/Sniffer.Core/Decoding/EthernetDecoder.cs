using System.Buffers.Binary;

namespace Sniffer.Decoding;

/// <summary>A view of an Ethernet II header (14 bytes).</summary>
public readonly ref struct EthernetHeader
{
    public const int Length = 14;

    public EthernetHeader(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    public ReadOnlySpan<byte> Bytes { get; }
    public ReadOnlySpan<byte> Destination => Bytes[..6];
    public ReadOnlySpan<byte> Source => Bytes.Slice(6, 6);
    public ushort EtherType => BinaryPrimitives.ReadUInt16BigEndian(Bytes[12..]);
}

public static class EthernetDecoder
{
    public static bool TryDecode(ReadOnlySpan<byte> source, out EthernetHeader header, out int bytesConsumed)
    {
        if (source.Length < EthernetHeader.Length)
        {
            header = default;
            bytesConsumed = 0;
            return false;
        }

        header = new EthernetHeader(source[..EthernetHeader.Length]);
        bytesConsumed = EthernetHeader.Length;
        return true;
    }
}

/// <summary>802.1Q / 802.1ad tag (4 bytes after the TPID): TCI then the inner EtherType.</summary>
public static class VlanDecoder
{
    public const int TagLength = 4;

    /// <summary>Decodes the 4 bytes that follow a VLAN TPID: returns the VLAN id and the next EtherType.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, out ushort vlanId, out ushort innerEtherType)
    {
        if (source.Length < TagLength)
        {
            vlanId = 0;
            innerEtherType = 0;
            return false;
        }

        vlanId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(source) & 0x0FFF);
        innerEtherType = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        return true;
    }
}
