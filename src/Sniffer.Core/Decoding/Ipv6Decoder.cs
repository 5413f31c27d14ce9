using System.Buffers.Binary;

namespace Sniffer.Decoding;

/// <summary>A view of the fixed IPv6 header (40 bytes).</summary>
public readonly ref struct Ipv6Header
{
    public const int Length = 40;

    public Ipv6Header(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    public ReadOnlySpan<byte> Bytes { get; }
    public ushort PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(Bytes[4..]);
    public byte NextHeader => Bytes[6];
    public byte HopLimit => Bytes[7];
    public ReadOnlySpan<byte> Source => Bytes.Slice(8, 16);
    public ReadOnlySpan<byte> Destination => Bytes.Slice(24, 16);
}

/// <summary>The IPv6 fragment header, when present.</summary>
public struct Ipv6Fragment
{
    public bool Present;
    /// <summary>Offset of this fragment's data in the original packet, in bytes.</summary>
    public int Offset;
    public bool More;
    public uint Identification;
}

public static class Ipv6Decoder
{
    /// <summary>Extension headers walked before giving up (hop-by-hop, routing, destination options, fragment, AH).</summary>
    public const int MaxExtensionHeaders = 8;

    public const byte HopByHop = 0;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte Esp = 50;
    public const byte AuthenticationHeader = 51;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;

    /// <summary>
    /// Decodes the fixed header and walks the extension-header chain. On success <paramref name="bytesConsumed"/>
    /// covers all extension headers, <paramref name="upperProtocol"/> is the transport protocol number, and
    /// <paramref name="fragment"/> describes a fragment header: the walk stops after it (what follows is fragment
    /// data), <paramref name="upperProtocol"/> is then its next-header value and <paramref name="bytesConsumed"/>
    /// points at the fragmentable part.
    /// </summary>
    public static IpDecodeStatus TryDecode(ReadOnlySpan<byte> source, out Ipv6Header header, out int bytesConsumed,
        out int payloadLength, out byte upperProtocol, out Ipv6Fragment fragment,
        out bool snapTruncated, out bool tooManyExtensions)
    {
        header = default;
        bytesConsumed = 0;
        payloadLength = 0;
        upperProtocol = 0;
        fragment = default;
        snapTruncated = false;
        tooManyExtensions = false;
        if (source.Length < Ipv6Header.Length)
        {
            return IpDecodeStatus.Truncated;
        }

        if ((source[0] >> 4) != 6)
        {
            return IpDecodeStatus.Malformed;
        }

        header = new Ipv6Header(source[..Ipv6Header.Length]);
        int total = Ipv6Header.Length + header.PayloadLength;
        if (header.PayloadLength == 0)
        {
            total = source.Length; // jumbogram or offloaded capture: use what was captured
        }

        if (total > source.Length)
        {
            snapTruncated = true;
            total = source.Length;
        }

        int offset = Ipv6Header.Length;
        byte next = header.NextHeader;
        for (int i = 0; ; i++)
        {
            switch (next)
            {
                case HopByHop:
                case Routing:
                case DestinationOptions:
                case Fragment:
                case AuthenticationHeader:
                    break;
                default:
                    upperProtocol = next;
                    bytesConsumed = offset;
                    payloadLength = total - offset;
                    return IpDecodeStatus.Ok;
            }

            if (i >= MaxExtensionHeaders)
            {
                tooManyExtensions = true;
                return IpDecodeStatus.Malformed;
            }

            if (source.Length < offset + 8)
            {
                return IpDecodeStatus.Truncated;
            }

            byte following = source[offset];
            int length;
            if (next == Fragment)
            {
                ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(source[(offset + 2)..]);
                fragment.Present = true;
                fragment.Offset = offsetAndFlags & 0xFFF8;
                fragment.More = (offsetAndFlags & 1) != 0;
                fragment.Identification = BinaryPrimitives.ReadUInt32BigEndian(source[(offset + 4)..]);
                offset += 8;
                if (offset > total)
                {
                    return IpDecodeStatus.Truncated;
                }

                upperProtocol = following;
                bytesConsumed = offset;
                payloadLength = total - offset;
                return IpDecodeStatus.Ok;
            }

            if (next == AuthenticationHeader)
            {
                length = (source[offset + 1] + 2) * 4;
            }
            else
            {
                length = (source[offset + 1] + 1) * 8;
            }

            offset += length;
            if (offset > total)
            {
                return IpDecodeStatus.Truncated;
            }

            next = following;
        }
    }
}
