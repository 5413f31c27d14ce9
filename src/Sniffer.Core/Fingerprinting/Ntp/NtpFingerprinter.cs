using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Ntp;

/// <summary>
/// NTP v1–v4 over UDP (RFC 5905 / RFC 1305): the 48-byte header of modes 1–5 (plus extension fields or a MAC),
/// mode 6 control messages (RFC 1305 appendix B, ntpq) and mode 7 private messages (ntpdc).
/// </summary>
public sealed class NtpFingerprinter : IFingerprinter
{
    public static readonly NtpFingerprinter Instance = new();

    /// <summary>Size of the mode 1–5 header.</summary>
    public const int HeaderLength = 48;
    /// <summary>Largest NTP datagram accepted (header, extension fields, MAC).</summary>
    public const int MaxLength = 1024;
    /// <summary>Mode 6 control header size.</summary>
    public const int ControlHeaderLength = 12;
    /// <summary>Most data octets a mode 6 message carries (RFC 1305 appendix B).</summary>
    public const int MaxControlData = 468;
    /// <summary>Mode 6/7 trailing authenticator: key id + MD5/SHA-1 digest (at most 4 + 20 octets, plus padding).</summary>
    public const int MaxAuthenticator = 28;
    /// <summary>Mode 7 header size (R/M/VN/mode, auth/seq, implementation, request code, err/nitems, mbz/size).</summary>
    public const int PrivateHeaderLength = 8;
    /// <summary>Largest poll exponent (RFC 5905 MAXPOLL is 17).</summary>
    public const int MaxPoll = 17;
    /// <summary>Smallest precision exponent accepted (2^-32 s).</summary>
    public const int MinPrecision = -32;
    /// <summary>
    /// Precision a data-minimizing client writes into its requests so as not to reveal its clock (chrony's client
    /// mode, draft-ietf-ntp-data-minimization: 0x20); accepted in mode 3 only.
    /// </summary>
    public const int DataMinimizationPrecision = 32;

    public string Name => "ntp";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): Version 1–4 in bits 3–5 on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(NtpVersions());

    /// <summary>Every first byte with version 1–4 in bits 3–5 (leap indicator and mode: any).</summary>
    private static ByteSet NtpVersions()
    {
        var set = default(ByteSet);
        for (int b = 0; b < 256; b++)
        {
            if (((b >> 3) & 7) is >= 1 and <= 4)
            {
                set = set.With((byte)b);
            }
        }

        return set;
    }

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport != Transport.Udp)
        {
            return ProbeResult.NoMatch;
        }

        var client = Classify(context.Client);
        var server = Classify(context.Server);
        if ((!context.Client.IsEmpty && client == 0) || (!context.Server.IsEmpty && server == 0))
        {
            return ProbeResult.NoMatch;
        }

        if (client == 0 && server == 0)
        {
            return ProbeResult.NeedMore;
        }

        if (client != 0 && server != 0)
        {
            int cm = context.Client[0] & 7, sm = context.Server[0] & 7;
            bool paired = (cm == 3 && sm == 4) || (cm == 1 && sm is 1 or 2) || (cm is 6 or 7 && sm == cm);
            return paired ? ProbeResult.Matched(Confidence.High, "ntp.exchange") : ProbeResult.NoMatch;
        }

        int mode = (client != 0 ? context.Client : context.Server)[0] & 7;
        return mode switch
        {
            6 => ProbeResult.Matched(Confidence.Medium, "ntp.control"),
            7 => ProbeResult.Matched(Confidence.Low, "ntp.private"),
            _ => ProbeResult.Matched(Confidence.Medium, "ntp.header"),
        };
    }

    /// <summary>0 = not NTP, else the mode (1..7) of a structurally valid datagram.</summary>
    internal static int Classify(ReadOnlySpan<byte> d)
    {
        if (d.IsEmpty)
        {
            return 0;
        }

        int version = (d[0] >> 3) & 7;
        int mode = d[0] & 7;
        if (version is < 1 or > 4)
        {
            return 0;
        }

        switch (mode)
        {
            case >= 1 and <= 5:
            {
                if (d.Length < HeaderLength || d.Length > MaxLength || (d.Length - HeaderLength) % 4 != 0)
                {
                    return 0;
                }

                int stratum = d[1];
                int poll = (sbyte)d[2];
                int precision = (sbyte)d[3];
                bool minimized = mode == 3 && precision == DataMinimizationPrecision;
                if (stratum > 16 || poll is < 0 or > MaxPoll || (!minimized && precision is < MinPrecision or > 0))
                {
                    return 0;
                }

                // Root delay and dispersion are 16.16 seconds: anything over a day is not NTP.
                uint delay = BinaryPrimitives.ReadUInt32BigEndian(d[4..]);
                uint dispersion = BinaryPrimitives.ReadUInt32BigEndian(d[8..]);
                if (delay >= 86400u << 16 || dispersion >= 86400u << 16)
                {
                    return 0;
                }

                // A server reply carries a transmit timestamp; requests may leave everything else zero.
                if (mode is 2 or 4 or 5 && d.Slice(40, 8).IndexOfAnyExcept((byte)0) < 0)
                {
                    return 0;
                }

                return mode;
            }

            case 6:
            {
                if (d.Length < ControlHeaderLength || d.Length % 4 != 0)
                {
                    return 0;
                }

                int opcode = d[1] & 0x1F;
                int offset = BinaryPrimitives.ReadUInt16BigEndian(d[8..]);
                int count = BinaryPrimitives.ReadUInt16BigEndian(d[10..]);
                int padded = (count + 3) & ~3;
                int rest = d.Length - ControlHeaderLength - padded;
                if (opcode == 0 || count > MaxControlData || rest < 0 || rest > MaxAuthenticator || offset > 0x7FFF
                    || ((d[1] & 0x80) == 0 && (d[1] & 0x40) != 0))
                {
                    return 0;
                }

                return mode;
            }

            case 7:
            {
                // R M VN Mode | A Sequence | Implementation | Request code | Err(4) Nitems(12) | MBZ(4) Size(12)
                if (d.Length < PrivateHeaderLength || d.Length > MaxLength || version < 2 || d[2] is not (0 or 2 or 3))
                {
                    return 0;
                }

                int error = d[4] >> 4;
                int items = ((d[4] & 0x0F) << 8) | d[5];
                int size = ((d[6] & 0x0F) << 8) | d[7];
                if ((d[6] & 0xF0) != 0 || error > 7 || (long)items * size > d.Length - PrivateHeaderLength)
                {
                    return 0;
                }

                return mode;
            }

            default:
                return 0;
        }
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as NtpMetadata ?? new NtpMetadata();
        metadata = meta;
        // Prefer the server's answer (it carries stratum and reference id); else the request.
        if (!meta.FromServer && Classify(context.Server) != 0)
        {
            meta.Fill(context.Server, fromServer: true);
        }
        else if (meta.Version == 0 && Classify(context.Client) != 0)
        {
            meta.Fill(context.Client, fromServer: false);
        }

        return meta.FromServer || context.ServerComplete;
    }
}
