using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Smb;

/// <summary>
/// SMB over direct TCP (MS-SMB2 2.1: a zero byte and a 24-bit length) or a NetBIOS session message (type 0x00,
/// same layout), carrying "\xFFSMB" (SMB1, MS-CIFS 2.2.3.1), "\xFESMB" (SMB2/3, 64-byte header with
/// StructureSize 64), "\xFDSMB" (SMB3 transform) or "\xFCSMB" (SMB3 compression transform).
/// </summary>
public sealed class SmbFingerprinter : IFingerprinter
{
    public static readonly SmbFingerprinter Instance = new();

    /// <summary>Smallest framed message: the 4-byte frame header and a 32-byte SMB1 header.</summary>
    public const int MinMessageLength = 32;
    /// <summary>Largest SMB2 frame accepted (MS-SMB2 MaxTransactSize/MaxReadSize go up to 8 MiB; frames add headers).</summary>
    public const int MaxMessageLength = 16 * 1024 * 1024 - 1;

    public string Name => "smb";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): NetBIOS session message type 0 on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of(0));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Client, fromServer: false);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeMessage(context.Server, fromServer: true);
        return ProbeCombiner.Combine(context, client, server);
    }

    internal static ProbeResult ProbeMessage(ReadOnlySpan<byte> data, bool fromServer)
    {
        if (data[0] != 0)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 4 && (data[1] << 16 | data[2] << 8 | data[3]) < MinMessageLength)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 5 && data[4] is not (0xFF or 0xFE or 0xFD or 0xFC))
        {
            return ProbeResult.NoMatch;
        }

        int m = Math.Min(data.Length, 8);
        if (m > 5 && !data[5..m].SequenceEqual("SMB"u8[..(m - 5)]))
        {
            return ProbeResult.NoMatch;
        }

        int length = data.Length >= 4 ? data[1] << 16 | data[2] << 8 | data[3] : 0;
        switch (data.Length >= 5 ? data[4] : 0)
        {
            case 0xFF:
                return ProbeSmb1(data, length, fromServer);
            case 0xFE:
                return ProbeSmb2(data, length, fromServer);
            case 0xFD:
                // Transform header: signature (16), nonce (16), original size (4), reserved (2), flags/alg (2), session id (8).
                if (length < 52)
                {
                    return ProbeResult.NoMatch;
                }

                return data.Length < 8 ? ProbeResult.NeedMore : ProbeResult.Matched(Confidence.Medium, "smb.transform");
            case 0xFC:
                return length < 16 ? ProbeResult.NoMatch
                    : data.Length < 8 ? ProbeResult.NeedMore : ProbeResult.Matched(Confidence.Low, "smb.compression_transform");
            default:
                return ProbeResult.NeedMore;
        }
    }

    private static ProbeResult ProbeSmb1(ReadOnlySpan<byte> data, int length, bool fromServer)
    {
        // Header: command (1), status (4), flags (1; 0x80 = reply), flags2 (2), ..., then WordCount.
        if (length < 33)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length > 13 && ((data[13] & 0x80) != 0) != fromServer)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 4 + 33)
        {
            return ProbeResult.NeedMore;
        }

        // WordCount words then a 2-byte ByteCount must fit in the message.
        int words = data[4 + 32];
        if (33 + words * 2 + 2 > length)
        {
            return ProbeResult.NoMatch;
        }

        bool negotiate = data[8] == 0x72;
        return ProbeResult.Matched(negotiate ? Confidence.High : Confidence.Medium, negotiate ? "smb1.negotiate" : "smb1.header");
    }

    private static ProbeResult ProbeSmb2(ReadOnlySpan<byte> data, int length, bool fromServer)
    {
        if (length < 64 + 2)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 10 && BinaryPrimitives.ReadUInt16LittleEndian(data[8..]) != 64)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 18 && BinaryPrimitives.ReadUInt16LittleEndian(data[16..]) > 0x13)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 21 && ((data[20] & 1) != 0) != fromServer)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 4 + 64 + 2)
        {
            return ProbeResult.NeedMore;
        }

        // Body StructureSize: requests and responses per command (MS-SMB2 2.2), low bit = variable part follows.
        int command = BinaryPrimitives.ReadUInt16LittleEndian(data[16..]);
        int size = BinaryPrimitives.ReadUInt16LittleEndian(data[68..]);
        bool negotiate = command == 0 && size == (fromServer ? 65 : 36);
        if (size is < 2 or > 120 && size != 9)
        {
            return ProbeResult.NoMatch;
        }

        return ProbeResult.Matched(negotiate ? Confidence.High : Confidence.Medium, negotiate ? "smb2.negotiate" : "smb2.header");
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as SmbMetadata ?? new SmbMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
