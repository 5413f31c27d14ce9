using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.NetBios;

/// <summary>
/// NetBIOS over TCP/IP (RFC 1001/1002): the name service (UDP 137, DNS-shaped header with a 32-byte first-level
/// encoded name), the datagram service (UDP 138, types 0x10–0x16) and the session service's control messages
/// (TCP 139: session request 0x81, responses 0x82/0x83/0x84, keep-alive 0x85). Plain session messages (type 0x00)
/// are never claimed: they carry SMB and belong to that fingerprinter.
/// </summary>
public sealed class NetBiosFingerprinter : IFingerprinter
{
    public static readonly NetBiosFingerprinter Instance = new();

    /// <summary>Encoded name length octet + 32 half-byte characters.</summary>
    public const int EncodedNameLength = 33;
    /// <summary>Most scope labels walked after an encoded name.</summary>
    public const int MaxScopeLabels = 16;
    public const int NameServiceHeaderLength = 12;

    public string Name => "netbios";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): TCP: a session message type 0x81–0x85 on both sides. UDP name-service
    /// messages start with a transaction id: any byte.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => transport == Transport.Tcp ? AcceptedFirstTcp : AcceptedFirstUdp;

    private static readonly FirstBytes AcceptedFirstTcp = FirstBytes.Both(ByteSet.Range(0x81, 0x85));
    private static readonly FirstBytes AcceptedFirstUdp = FirstBytes.Any;

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport == Transport.Udp)
        {
            var c = ClassifyDatagram(context.Client);
            var s = ClassifyDatagram(context.Server);
            if ((!context.Client.IsEmpty && c == NetBiosKind.None) || (!context.Server.IsEmpty && s == NetBiosKind.None))
            {
                return ProbeResult.NoMatch;
            }

            var kind = c != NetBiosKind.None ? c : s;
            return kind switch
            {
                NetBiosKind.NameService => ProbeResult.Matched(Confidence.High, "netbios.name_service"),
                NetBiosKind.Datagram => ProbeResult.Matched(Confidence.High, "netbios.datagram"),
                _ => ProbeResult.NeedMore,
            };
        }

        var client = ClassifySession(context.Client, context.ClientComplete);
        var server = ClassifySession(context.Server, context.ServerComplete);
        if (client == SessionShape.No || server == SessionShape.No)
        {
            return ProbeResult.NoMatch;
        }

        if (client == SessionShape.Request)
        {
            return ProbeResult.Matched(Confidence.High, "netbios.session_request");
        }

        if (server == SessionShape.Request)
        {
            return ProbeResult.Matched(Confidence.Medium, "netbios.session_request");
        }

        if (server == SessionShape.Response && context.Client.IsEmpty && context.ClientComplete)
        {
            return ProbeResult.Matched(Confidence.Low, "netbios.session_response");
        }

        return ProbeResult.NeedMore;
    }

    internal enum NetBiosKind : byte
    {
        None = 0,
        NameService = 1,
        Datagram = 2,
    }

    private enum SessionShape : byte
    {
        No = 0,
        More = 1,
        Request = 2,
        Response = 3,
    }

    internal static NetBiosKind ClassifyDatagram(ReadOnlySpan<byte> d)
    {
        if (IsNameService(d))
        {
            return NetBiosKind.NameService;
        }

        return DatagramNameOffset(d) >= 0 ? NetBiosKind.Datagram : NetBiosKind.None;
    }

    /// <summary>NBNS: opcode query/registration/release/WACK/refresh, one record whose name is first-level encoded.</summary>
    internal static bool IsNameService(ReadOnlySpan<byte> d)
    {
        if (d.Length < NameServiceHeaderLength + EncodedNameLength + 1 + 4)
        {
            return false;
        }

        int opcode = (d[2] >> 3) & 0x0F;
        int qd = BinaryPrimitives.ReadUInt16BigEndian(d[4..]);
        int an = BinaryPrimitives.ReadUInt16BigEndian(d[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(d[8..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(d[10..]);
        if (opcode is not (0 or 5 or 6 or 7 or 8 or 9) || qd > 1 || an > 1 || ns > 1 || ar > 1 || qd + an == 0)
        {
            return false;
        }

        int end = SkipEncodedName(d, NameServiceHeaderLength);
        if (end < 0 || end + 4 > d.Length)
        {
            return false;
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(d[end..]);
        ushort cls = BinaryPrimitives.ReadUInt16BigEndian(d[(end + 2)..]);
        // NB (0x20) or NBSTAT (0x21), class IN; WACK/negative responses may carry NULL (0x0a) records.
        return type is 0x20 or 0x21 or 0x0A && cls == 1;
    }

    /// <summary>NBDGM: the offset of the first encoded name, or -1 when not a datagram-service message.</summary>
    internal static int DatagramNameOffset(ReadOnlySpan<byte> d)
    {
        if (d.Length < 11)
        {
            return -1;
        }

        byte type = d[0];
        // Flags: only M, F and the two node-type bits are defined.
        if ((d[1] & 0xF0) != 0)
        {
            return -1;
        }

        switch (type)
        {
            case 0x10 or 0x11 or 0x12:
            {
                // Direct unique/group, broadcast: header 10 + length 2 + offset 2, then source and destination names.
                if (d.Length < 14)
                {
                    return -1;
                }

                int length = BinaryPrimitives.ReadUInt16BigEndian(d[10..]);
                if (length + 14 != d.Length && length + 14 > d.Length)
                {
                    return -1;
                }

                int second = SkipEncodedName(d, 14);
                return second > 0 && SkipEncodedName(d, second) > 0 ? 14 : -1;
            }

            case 0x13:
                // Error: header + one error code 0x82..0x84.
                return d.Length == 11 && d[10] is >= 0x82 and <= 0x84 ? 10 : -1;
            case 0x14 or 0x15 or 0x16:
                return SkipEncodedName(d, 10) > 0 ? 10 : -1;
            default:
                return -1;
        }
    }

    /// <summary>
    /// The user data of a direct unique/group or broadcast datagram (after the source and destination names): an
    /// SMB mailslot message in practice (browser announcements). Empty for other datagram types.
    /// </summary>
    internal static ReadOnlySpan<byte> DatagramUserData(ReadOnlySpan<byte> d)
    {
        if (d.Length < 14 || d[0] is not (0x10 or 0x11 or 0x12))
        {
            return default;
        }

        int second = SkipEncodedName(d, 14);
        int end = second > 0 ? SkipEncodedName(d, second) : -1;
        return end > 0 ? d[end..] : default;
    }

    private static SessionShape ClassifySession(ReadOnlySpan<byte> d, bool complete)
    {
        if (d.IsEmpty)
        {
            return SessionShape.More;
        }

        if (d[0] is not (0x81 or 0x82 or 0x83 or 0x84 or 0x85))
        {
            return SessionShape.No;
        }

        if (d.Length < 4)
        {
            return complete ? SessionShape.No : SessionShape.More;
        }

        // Flags: only the length-extension bit; control messages are short.
        if ((d[1] & 0xFE) != 0)
        {
            return SessionShape.No;
        }

        int length = ((d[1] & 1) << 16) | BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
        switch (d[0])
        {
            case 0x81:
            {
                if (length < 2 * (EncodedNameLength + 1) || length > 2 * 255)
                {
                    return SessionShape.No;
                }

                if (d.Length < 4 + length)
                {
                    // Validate what is there already: the first name's encoding.
                    int partial = Math.Min(d.Length, 4 + EncodedNameLength);
                    for (int i = 5; i < partial; i++)
                    {
                        if (d[i] is < (byte)'A' or > (byte)'P')
                        {
                            return SessionShape.No;
                        }
                    }

                    if (d.Length >= 5 && d[4] != 0x20)
                    {
                        return SessionShape.No;
                    }

                    return complete ? SessionShape.No : SessionShape.More;
                }

                var body = d.Slice(4, length);
                int second = SkipEncodedName(body, 0);
                return second > 0 && SkipEncodedName(body, second) == length ? SessionShape.Request : SessionShape.No;
            }

            case 0x82 or 0x85:
                return length == 0 && d.Length == 4 ? SessionShape.Response : SessionShape.No;
            case 0x83:
                return length == 1 && (d.Length < 5 ? !complete : d.Length == 5 && d[4] is >= 0x80 and <= 0x8F)
                    ? (d.Length == 5 ? SessionShape.Response : SessionShape.More)
                    : SessionShape.No;
            default:
                return length == 6 && d.Length == 10 ? SessionShape.Response : SessionShape.No;
        }
    }

    /// <summary>
    /// Skips a first-level encoded name (0x20 + 32 chars 'A'..'P') and its scope labels; returns the offset after
    /// the terminating zero, or -1.
    /// </summary>
    internal static int SkipEncodedName(ReadOnlySpan<byte> d, int offset)
    {
        if (offset + EncodedNameLength + 1 > d.Length || d[offset] != 0x20)
        {
            return -1;
        }

        foreach (byte b in d.Slice(offset + 1, 32))
        {
            if (b is < (byte)'A' or > (byte)'P')
            {
                return -1;
            }
        }

        int p = offset + EncodedNameLength;
        for (int labels = 0; labels <= MaxScopeLabels; labels++)
        {
            if (p >= d.Length)
            {
                return -1;
            }

            int length = d[p];
            if (length == 0)
            {
                return p + 1;
            }

            if (length > 63)
            {
                return -1;
            }

            p += length + 1;
        }

        return -1;
    }

    /// <summary>Decodes the 16-byte NetBIOS name at <paramref name="offset"/> into <paramref name="name"/> (15 chars + suffix).</summary>
    internal static bool Decode(ReadOnlySpan<byte> d, int offset, Span<byte> name, out byte suffix)
    {
        suffix = 0;
        if (SkipEncodedName(d, offset) < 0)
        {
            return false;
        }

        var encoded = d.Slice(offset + 1, 32);
        for (int i = 0; i < 16; i++)
        {
            name[i] = (byte)(((encoded[2 * i] - 'A') << 4) | (encoded[(2 * i) + 1] - 'A'));
        }

        suffix = name[15];
        return true;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as NetBiosMetadata ?? new NetBiosMetadata();
        metadata = meta;
        if (meta.Type is not null)
        {
            return true;
        }

        foreach (bool clientSide in new[] { true, false })
        {
            var d = clientSide ? context.Client : context.Server;
            if (d.IsEmpty)
            {
                continue;
            }

            if (context.Transport == Transport.Udp)
            {
                if (IsNameService(d))
                {
                    meta.Fill(d, NameServiceHeaderLength, NetBiosMetadata.NameServiceType(d));
                }
                else if (DatagramNameOffset(d) is int o and >= 0)
                {
                    meta.Fill(d, o, "datagram");
                    meta.CarriesSmb(DatagramUserData(d));
                }
            }
            else if (d[0] == 0x81 && d.Length >= 4)
            {
                // The called (destination) name comes first.
                meta.Fill(d[4..], 0, "session_request");
            }
            else if (d[0] is 0x82 or 0x83 or 0x84 or 0x85)
            {
                meta.Fill(default, 0, d[0] switch
                {
                    0x82 => "session_positive_response",
                    0x83 => "session_negative_response",
                    0x84 => "session_retarget_response",
                    _ => "session_keep_alive",
                });
                continue;
            }

            if (meta.Type is not null)
            {
                return true;
            }
        }

        return context.ClientComplete && context.ServerComplete;
    }
}
