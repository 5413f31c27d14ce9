using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Dnp3;

/// <summary>
/// DNP3 over TCP/UDP (IEEE 1815 data link layer): start bytes 0x05 0x64, length (5..255: control + addresses +
/// user data), control, destination and source addresses (little-endian), and the CRC-16/DNP of those eight
/// header bytes — which is verified, so a match is a complete validated frame header.
/// </summary>
public sealed class Dnp3Fingerprinter : IFingerprinter
{
    public static readonly Dnp3Fingerprinter Instance = new();

    /// <summary>Link header: 8 bytes and their 2-byte CRC.</summary>
    public const int HeaderLength = 10;

    public string Name => "dnp3";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): Link-layer start bytes 0x05 0x64 on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of(0x05));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeFrame(context.Client);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeFrame(context.Server);
        return ProbeCombiner.Combine(context, client, server);
    }

    internal static ProbeResult ProbeFrame(ReadOnlySpan<byte> d)
    {
        if (d[0] != 0x05 || (d.Length > 1 && d[1] != 0x64) || (d.Length > 2 && d[2] < 5))
        {
            return ProbeResult.NoMatch;
        }

        if (d.Length < HeaderLength)
        {
            return ProbeResult.NeedMore;
        }

        ushort crc = Crc(d[..8]);
        return d[8] == (byte)crc && d[9] == (byte)(crc >> 8)
            ? ProbeResult.Matched(Confidence.High, "dnp3.link_header")
            : ProbeResult.NoMatch;
    }

    /// <summary>CRC-16/DNP: polynomial 0x3D65 (reflected 0xA6BC), init 0, output complemented, little-endian on the wire.</summary>
    internal static ushort Crc(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA6BC) : (ushort)(crc >> 1);
            }
        }

        return (ushort)~crc;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as Dnp3Metadata ?? new Dnp3Metadata();
        metadata = meta;
        return meta.Fill(context.Client.IsEmpty ? context.Server : context.Client);
    }
}
