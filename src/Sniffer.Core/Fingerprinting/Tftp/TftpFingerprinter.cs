using System.Buffers.Binary;
using System.Text;

namespace Sniffer.Fingerprinting.Tftp;

/// <summary>
/// TFTP (RFC 1350, options RFC 2347–2349, 7440) over UDP. A read/write request is validated completely (file name,
/// transfer mode, option pairs ending exactly at the datagram end); OACK and ERROR stand on their own; DATA and ACK
/// (4 bytes) only count together, with the same block number.
/// </summary>
public sealed class TftpFingerprinter : IFingerprinter
{
    public static readonly TftpFingerprinter Instance = new();

    public const ushort Rrq = 1, Wrq = 2, Data = 3, Ack = 4, Error = 5, Oack = 6;
    /// <summary>Longest DATA datagram: 4-byte header + the largest block size (RFC 2348: 65464).</summary>
    public const int MaxDataLength = 4 + 65464;
    /// <summary>Most option pairs walked in a request or OACK.</summary>
    public const int MaxOptions = 16;
    /// <summary>Highest ERROR code defined (8: option negotiation refused, RFC 2347).</summary>
    public const int MaxErrorCode = 8;

    public string Name => "tftp";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): A 16-bit opcode 1–6: first byte 0 on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of(0));

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport != Transport.Udp)
        {
            return ProbeResult.NoMatch;
        }

        var client = context.Client;
        var server = context.Server;
        int c = Classify(client), s = Classify(server);
        if ((!client.IsEmpty && c == 0) || (!server.IsEmpty && s == 0))
        {
            return ProbeResult.NoMatch;
        }

        if (c is Rrq or Wrq || s is Rrq or Wrq)
        {
            return ProbeResult.Matched(Confidence.High, "tftp.request");
        }

        if (c == Oack || s == Oack)
        {
            return ProbeResult.Matched(Confidence.Medium, "tftp.oack");
        }

        if ((c == Data && s == Ack) || (c == Ack && s == Data))
        {
            // The ACK acknowledges the DATA block (or the one before, for a retransmission race).
            ushort dataBlock = BinaryPrimitives.ReadUInt16BigEndian((c == Data ? client : server)[2..]);
            ushort ackBlock = BinaryPrimitives.ReadUInt16BigEndian((c == Ack ? client : server)[2..]);
            return dataBlock == ackBlock || (ushort)(dataBlock - 1) == ackBlock
                ? ProbeResult.Matched(Confidence.Medium, "tftp.data_ack")
                : ProbeResult.NoMatch;
        }

        if (c == Error || s == Error)
        {
            return ProbeResult.Matched(Confidence.Low, "tftp.error");
        }

        // Lone DATA or ACK: decide only when the other direction has nothing more to say.
        bool otherDone = client.IsEmpty ? context.ClientComplete : server.IsEmpty ? context.ServerComplete : true;
        if (!otherDone)
        {
            return ProbeResult.NeedMore;
        }

        return (c == Data || s == Data) && !(client.IsEmpty == server.IsEmpty)
            ? ProbeResult.Matched(Confidence.Low, "tftp.data")
            : ProbeResult.NoMatch;
    }

    /// <summary>The opcode of a structurally valid TFTP datagram, or 0.</summary>
    internal static int Classify(ReadOnlySpan<byte> d)
    {
        if (d.Length < 4)
        {
            return 0;
        }

        ushort opcode = BinaryPrimitives.ReadUInt16BigEndian(d);
        switch (opcode)
        {
            case Rrq or Wrq:
                return ParseRequest(d, out _, out _) ? opcode : 0;
            case Data:
                return d.Length <= MaxDataLength ? opcode : 0;
            case Ack:
                return d.Length == 4 ? opcode : 0;
            case Error:
            {
                ushort code = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
                var text = d[4..];
                int nul = text.IndexOf((byte)0);
                return code <= MaxErrorCode && nul >= 0 && nul == text.Length - 1 && IsText(text[..nul]) ? opcode : 0;
            }

            case Oack:
                return Options(d[2..], out bool known) && known ? opcode : 0;
            default:
                return 0;
        }
    }

    /// <summary>RRQ/WRQ: filename NUL mode NUL [option NUL value NUL]*, nothing after.</summary>
    internal static bool ParseRequest(ReadOnlySpan<byte> d, out ReadOnlySpan<byte> fileName, out ReadOnlySpan<byte> mode)
    {
        mode = default;
        var rest = d[2..];
        int nul = rest.IndexOf((byte)0);
        fileName = nul > 0 ? rest[..nul] : default;
        if (nul <= 0 || !IsText(fileName))
        {
            return false;
        }

        rest = rest[(nul + 1)..];
        nul = rest.IndexOf((byte)0);
        if (nul <= 0)
        {
            return false;
        }

        mode = rest[..nul];
        if (!IsMode(mode))
        {
            return false;
        }

        return Options(rest[(nul + 1)..], out _);
    }

    private static bool IsMode(ReadOnlySpan<byte> mode) =>
        Ascii.EqualsIgnoreCase(mode, "octet"u8) || Ascii.EqualsIgnoreCase(mode, "netascii"u8) || Ascii.EqualsIgnoreCase(mode, "mail"u8);

    /// <summary>Option pairs up to the end exactly; <paramref name="known"/> when at least one RFC option name appears.</summary>
    private static bool Options(ReadOnlySpan<byte> rest, out bool known)
    {
        known = false;
        for (int i = 0; !rest.IsEmpty; i++)
        {
            if (i >= MaxOptions)
            {
                return false;
            }

            int nameEnd = rest.IndexOf((byte)0);
            if (nameEnd <= 0)
            {
                return false;
            }

            var name = rest[..nameEnd];
            rest = rest[(nameEnd + 1)..];
            int valueEnd = rest.IndexOf((byte)0);
            if (valueEnd < 0 || !IsText(name) || !IsText(rest[..valueEnd]))
            {
                return false;
            }

            known |= Ascii.EqualsIgnoreCase(name, "blksize"u8) || Ascii.EqualsIgnoreCase(name, "tsize"u8)
                || Ascii.EqualsIgnoreCase(name, "timeout"u8) || Ascii.EqualsIgnoreCase(name, "windowsize"u8)
                || Ascii.EqualsIgnoreCase(name, "multicast"u8);
            rest = rest[(valueEnd + 1)..];
        }

        return true;
    }

    /// <summary>No control characters (file names and messages are NVT ASCII; UTF-8 bytes are tolerated).</summary>
    private static bool IsText(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
        {
            if (b < 0x20 || b == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as TftpMetadata ?? new TftpMetadata();
        metadata = meta;
        if (meta.Opcode == 0)
        {
            var d = Classify(context.Client) != 0 ? context.Client : context.Server;
            int opcode = Classify(d);
            if (opcode != 0)
            {
                meta.Fill(d, opcode);
            }
        }

        return true;
    }
}
