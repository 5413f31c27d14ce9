using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Coap;

/// <summary>Allocation-free CoAP (RFC 7252) datagram validation and option walking.</summary>
internal static class CoapParser
{
    public const int HeaderLength = 4;
    public const int MaxTokenLength = 8;
    /// <summary>Largest CoAP datagram accepted (RFC 7252 4.6: fit the path MTU; 1152 recommended, blockwise allows 1024-byte blocks plus options).</summary>
    public const int MaxLength = 2048;
    /// <summary>Most options walked in one message.</summary>
    public const int MaxOptions = 32;
    /// <summary>Start of the experimental option range (RFC 7252 12.2: 65000–65535).</summary>
    public const int ExperimentalOptions = 65000;

    public const int OptionUriPath = 11;
    public const byte PayloadMarker = 0xFF;

    public enum MessageKind : byte
    {
        Invalid,
        Empty,
        Request,
        Response,
    }

    public static bool IsValidCode(int code)
    {
        int cls = code >> 5, detail = code & 0x1F;
        return cls switch
        {
            0 => detail <= 7,
            2 => detail is >= 1 and <= 5 or 31,
            4 => detail is <= 6 or 8 or 9 or 12 or 13 or 15 or 22 or 29,
            5 => detail <= 5,
            _ => false,
        };
    }

    /// <summary>Validates a whole datagram; <paramref name="options"/> counts the options seen.</summary>
    public static MessageKind Check(ReadOnlySpan<byte> d, out int options)
    {
        options = 0;
        if (d.Length < HeaderLength || d.Length > MaxLength || (d[0] >> 6) != 1)
        {
            return MessageKind.Invalid;
        }

        int type = (d[0] >> 4) & 3;
        int tokenLength = d[0] & 0x0F;
        int code = d[1];
        if (tokenLength > MaxTokenLength || !IsValidCode(code))
        {
            return MessageKind.Invalid;
        }

        if (code == 0)
        {
            // Empty message (ping, empty ACK, reset): header only.
            return d.Length == HeaderLength && tokenLength == 0 ? MessageKind.Empty : MessageKind.Invalid;
        }

        bool request = code >> 5 == 0;
        // Requests are CON or NON; RST only carries the Empty code.
        if (type == 3 || (request && type == 2) || HeaderLength + tokenLength > d.Length)
        {
            return MessageKind.Invalid;
        }

        var walker = new OptionWalker(d[(HeaderLength + tokenLength)..]);
        while (walker.Next(out _, out _))
        {
            options++;
        }

        return walker.Failed ? MessageKind.Invalid : request ? MessageKind.Request : MessageKind.Response;
    }

    private static bool OptionLengthOk(int number, int length) => number switch
    {
        1 => length <= 8,                      // If-Match
        3 => length is >= 1 and <= 255,        // Uri-Host
        4 => length is >= 1 and <= 8,          // ETag
        5 => length == 0,                      // If-None-Match
        6 or 19 or 23 or 27 or 31 => length <= 3, // Observe, Q-Block1, Block2, Block1, Q-Block2
        7 or 12 or 17 => length <= 2,          // Uri-Port, Content-Format, Accept
        8 or 11 or 15 or 20 => length <= 255,  // Location-Path, Uri-Path, Uri-Query, Location-Query
        9 => length <= 255,                    // OSCORE
        14 or 28 or 60 => length <= 4,         // Max-Age, Size2, Size1
        16 => length == 1,                     // Hop-Limit
        21 => length == 0,                     // EDHOC
        35 => length is >= 1 and <= 1034,      // Proxy-Uri
        39 => length is >= 1 and <= 255,       // Proxy-Scheme
        252 => length is >= 1 and <= 40,       // Echo
        258 => length <= 1,                    // No-Response
        292 => length <= 8,                    // Request-Tag
        _ => number >= ExperimentalOptions,
    };

    /// <summary>Walks options (delta/length nibbles with 1- and 2-byte extensions) up to the payload marker.</summary>
    public ref struct OptionWalker
    {
        private readonly ReadOnlySpan<byte> _d;
        private int _offset;
        private int _number;
        private int _count;

        public OptionWalker(ReadOnlySpan<byte> afterToken)
        {
            _d = afterToken;
        }

        public bool Failed { get; private set; }

        public bool Next(out int number, out ReadOnlySpan<byte> value)
        {
            number = 0;
            value = default;
            if (Failed || _offset >= _d.Length)
            {
                return false;
            }

            byte b = _d[_offset];
            if (b == PayloadMarker)
            {
                // A marker must be followed by a payload.
                Failed = _offset + 1 >= _d.Length;
                _offset = _d.Length;
                return false;
            }

            if (++_count > MaxOptions)
            {
                Failed = true;
                return false;
            }

            int p = _offset + 1;
            if (!Extend(b >> 4, ref p, out int delta) || !Extend(b & 0x0F, ref p, out int length) || length > _d.Length - p)
            {
                Failed = true;
                return false;
            }

            _number += delta;
            if (!OptionLengthOk(_number, length))
            {
                Failed = true;
                return false;
            }

            number = _number;
            value = _d.Slice(p, length);
            _offset = p + length;
            return true;
        }

        private readonly bool Extend(int nibble, ref int p, out int value)
        {
            value = nibble;
            switch (nibble)
            {
                case 13:
                    if (p + 1 > _d.Length)
                    {
                        return false;
                    }

                    value = _d[p] + 13;
                    p += 1;
                    return true;
                case 14:
                    if (p + 2 > _d.Length)
                    {
                        return false;
                    }

                    value = BinaryPrimitives.ReadUInt16BigEndian(_d[p..]) + 269;
                    p += 2;
                    return true;
                case 15:
                    return false;
                default:
                    return true;
            }
        }
    }
}
