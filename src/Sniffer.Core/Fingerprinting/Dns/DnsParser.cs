using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Dns;

/// <summary>Outcome of validating one DNS message (or the prefix of one).</summary>
internal enum DnsShape : byte
{
    NoMatch = 0,
    NeedMore = 1,
    /// <summary>Header and every question validated; the rest is missing or was not walked.</summary>
    Questions = 2,
    /// <summary>Header, questions and every resource record validated to the message end.</summary>
    Complete = 3,
}

/// <summary>
/// Allocation-free DNS message validation (RFC 1035 §4, RFC 6891 OPT, RFC 6762 mDNS class bits, RFC 4795 LLMNR
/// header shape). Names are walked with bounded pointer hops; every count is checked against the bytes it needs.
/// </summary>
internal static class DnsParser
{
    public const int HeaderLength = 12;
    /// <summary>Most questions accepted in one message (mDNS queries carry several; unicast DNS carries one).</summary>
    public const int MaxQuestions = 16;
    /// <summary>Most resource records walked per message when validating.</summary>
    public const int MaxRecordsWalked = 256;
    /// <summary>Longest name on the wire (RFC 1035 §2.3.4).</summary>
    public const int MaxNameLength = 255;
    /// <summary>Most compression pointers followed in one name (loop guard).</summary>
    public const int MaxPointerHops = 32;
    /// <summary>Smallest resource record: root name (1) + type, class, TTL, RDLENGTH (10).</summary>
    public const int MinRecordLength = 11;
    /// <summary>Smallest question: root name (1) + type, class (4).</summary>
    public const int MinQuestionLength = 5;

    public static ushort Id(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m);
    public static ushort Flags(ReadOnlySpan<byte> m) => BinaryPrimitives.ReadUInt16BigEndian(m[2..]);
    public static ushort Count(ReadOnlySpan<byte> m, int index) => BinaryPrimitives.ReadUInt16BigEndian(m[(4 + (2 * index))..]);
    public static bool IsResponse(ReadOnlySpan<byte> m) => (m[2] & 0x80) != 0;
    public static int OpCode(ReadOnlySpan<byte> m) => (m[2] >> 3) & 0x0F;
    public static int ResponseCode(ReadOnlySpan<byte> m) => m[3] & 0x0F;

    /// <summary>
    /// Validates <paramref name="message"/>: the bytes of one message seen so far. <paramref name="declaredLength"/>
    /// is the full message length when known (TCP length prefix or a UDP datagram), so counts can be bounded.
    /// <paramref name="final"/> says no more bytes will come.
    /// </summary>
    public static DnsShape Validate(ReadOnlySpan<byte> message, int declaredLength, bool final, out bool mdnsBits)
    {
        mdnsBits = false;
        if (message.Length < HeaderLength)
        {
            return final ? DnsShape.NoMatch : DnsShape.NeedMore;
        }

        if (declaredLength < HeaderLength)
        {
            return DnsShape.NoMatch;
        }

        bool response = IsResponse(message);
        int opcode = OpCode(message);
        int rcode = ResponseCode(message);
        // QUERY, IQUERY (obsolete), STATUS, NOTIFY, UPDATE; 3 and 6..15 are unassigned.
        if (opcode is 3 or > 5)
        {
            return DnsShape.NoMatch;
        }

        // The Z bit (0x0040) is zero in DNS and in LLMNR's reserved bits; requests carry no error code.
        if ((message[3] & 0x40) != 0 || (!response && rcode != 0) || rcode > 10)
        {
            return DnsShape.NoMatch;
        }

        int qd = Count(message, 0), an = Count(message, 1), ns = Count(message, 2), ar = Count(message, 3);
        if (qd > MaxQuestions || (qd == 0 && (!response || an == 0)))
        {
            return DnsShape.NoMatch;
        }

        // A request for a plain QUERY names exactly what it asks; answers in requests are mDNS known answers.
        if (!response && opcode == 0 && qd == 0)
        {
            return DnsShape.NoMatch;
        }

        long minimum = HeaderLength + ((long)qd * MinQuestionLength) + ((long)(an + ns + ar) * MinRecordLength);
        if (minimum > declaredLength)
        {
            return DnsShape.NoMatch;
        }

        // A first name of one 32-character label in 'A'..'P' is a NetBIOS first-level encoded name (NBNS, RFC 1002).
        if (message.Length >= HeaderLength + 33 && message[HeaderLength] == 0x20
            && !message.Slice(HeaderLength + 1, 32).ContainsAnyExceptInRange((byte)'A', (byte)'P'))
        {
            return DnsShape.NoMatch;
        }

        int limit = Math.Min(message.Length, declaredLength);
        ReadOnlySpan<byte> m = message[..limit];
        bool bytesWillCome = !final && limit < declaredLength;
        int offset = HeaderLength;
        for (int i = 0; i < qd; i++)
        {
            int end = SkipName(m, offset);
            if (end == NameInvalid)
            {
                return DnsShape.NoMatch;
            }

            if (end == NameTruncated || end + 4 > m.Length)
            {
                return bytesWillCome ? DnsShape.NeedMore : DnsShape.NoMatch;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[end..]);
            ushort cls = BinaryPrimitives.ReadUInt16BigEndian(m[(end + 2)..]);
            if ((cls & 0x8000) != 0)
            {
                mdnsBits = true;
            }

            if (!ValidQuestionType(type) || !ValidClass((ushort)(cls & 0x7FFF), allowNone: opcode == 5))
            {
                return DnsShape.NoMatch;
            }

            offset = end + 4;
        }

        if (qd == 0 && an > 0)
        {
            // A question-less response (mDNS announcement): require its records to validate fully.
            var shape = WalkRecords(m, offset, Math.Min(an + ns + ar, MaxRecordsWalked), declaredLength, ref mdnsBits);
            return shape == DnsShape.Complete ? DnsShape.Complete : (shape == DnsShape.NeedMore && bytesWillCome ? DnsShape.NeedMore : DnsShape.NoMatch);
        }

        int records = an + ns + ar;
        if (records > MaxRecordsWalked)
        {
            return DnsShape.Questions;
        }

        var rest = WalkRecords(m, offset, records, declaredLength, ref mdnsBits);
        return rest switch
        {
            DnsShape.Complete => DnsShape.Complete,
            // Records that do not parse after valid questions: still DNS-shaped (e.g. a capture cut by snaplen).
            _ => DnsShape.Questions,
        };
    }

    private static DnsShape WalkRecords(ReadOnlySpan<byte> m, int offset, int records, int declaredLength, ref bool mdnsBits)
    {
        for (int i = 0; i < records; i++)
        {
            int end = SkipName(m, offset);
            if (end == NameInvalid)
            {
                return DnsShape.NoMatch;
            }

            if (end == NameTruncated || end + 10 > m.Length)
            {
                return DnsShape.NeedMore;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[end..]);
            ushort cls = BinaryPrimitives.ReadUInt16BigEndian(m[(end + 2)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(m[(end + 8)..]);
            if (type == 0 || (type != 41 && !ValidClass((ushort)(cls & 0x7FFF), allowNone: true)))
            {
                return DnsShape.NoMatch;
            }

            if (type != 41 && (cls & 0x8000) != 0)
            {
                mdnsBits = true;
            }

            if ((type == 1 && rdLength != 4) || (type == 28 && rdLength != 16))
            {
                return DnsShape.NoMatch;
            }

            offset = end + 10 + rdLength;
            if (offset > declaredLength)
            {
                return DnsShape.NoMatch;
            }

            if (offset > m.Length)
            {
                return DnsShape.NeedMore;
            }
        }

        return DnsShape.Complete;
    }

    /// <summary>Types a question may ask: any assigned data type or the meta types AXFR/IXFR/ANY/MAILB.</summary>
    private static bool ValidQuestionType(ushort type) => type is not 0 && (type <= 260 || type is 32768 or 32769 or 65534);

    /// <summary>IN, CH, HS, plus NONE/ANY (UPDATE prerequisites and queries).</summary>
    private static bool ValidClass(ushort cls, bool allowNone) => cls is 1 or 3 or 4 or 255 || (allowNone && cls == 254);

    public const int NameInvalid = -1;
    public const int NameTruncated = -2;

    /// <summary>
    /// Returns the offset just past the name starting at <paramref name="offset"/> (in the message, not following
    /// pointers), <see cref="NameTruncated"/> when the bytes end inside it, <see cref="NameInvalid"/> when it is
    /// malformed (label type 0x40/0x80, pointer forward or out of range, over-long name, pointer loop).
    /// </summary>
    public static int SkipName(ReadOnlySpan<byte> m, int offset)
    {
        int position = offset;
        int end = -1;
        int total = 0;
        for (int hops = 0; hops <= MaxPointerHops;)
        {
            if (position >= m.Length)
            {
                return end >= 0 ? end : NameTruncated;
            }

            byte length = m[position];
            if (length == 0)
            {
                return end >= 0 ? end : position + 1;
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= m.Length)
                {
                    return end >= 0 ? end : NameTruncated;
                }

                int target = ((length & 0x3F) << 8) | m[position + 1];
                if (end < 0)
                {
                    end = position + 2;
                }

                // Pointers only go backwards, to a name already seen (after the header).
                if (target < HeaderLength || target >= position)
                {
                    return NameInvalid;
                }

                position = target;
                hops++;
                continue;
            }

            if ((length & 0xC0) != 0)
            {
                return NameInvalid;
            }

            total += length + 1;
            if (total > MaxNameLength)
            {
                return NameInvalid;
            }

            position += length + 1;
        }

        return NameInvalid;
    }

    /// <summary>
    /// Copies the dotted name at <paramref name="offset"/> into <paramref name="destination"/> (at least
    /// <see cref="MaxNameLength"/> bytes), following pointers. Returns the bytes written or -1 when malformed.
    /// </summary>
    public static int ReadName(ReadOnlySpan<byte> m, int offset, Span<byte> destination)
    {
        int position = offset;
        int written = 0;
        for (int hops = 0; hops <= MaxPointerHops;)
        {
            if (position >= m.Length)
            {
                return -1;
            }

            byte length = m[position];
            if (length == 0)
            {
                return written;
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= m.Length)
                {
                    return -1;
                }

                int target = ((length & 0x3F) << 8) | m[position + 1];
                if (target >= position)
                {
                    return -1;
                }

                position = target;
                hops++;
                continue;
            }

            if ((length & 0xC0) != 0 || position + 1 + length > m.Length)
            {
                return -1;
            }

            int needed = length + (written > 0 ? 1 : 0);
            if (written + needed > destination.Length)
            {
                return -1;
            }

            if (written > 0)
            {
                destination[written++] = (byte)'.';
            }

            m.Slice(position + 1, length).CopyTo(destination[written..]);
            written += length;
            position += length + 1;
        }

        return -1;
    }
}
