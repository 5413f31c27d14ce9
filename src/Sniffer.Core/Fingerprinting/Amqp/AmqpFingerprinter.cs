using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Amqp;

/// <summary>
/// AMQP. Client: the 8-byte protocol header "AMQP" + (0,0,9,1) for 0-9-1, (1,1,0,10) for 0-10, (0|2|3,1,0,0) for
/// 1.0 (plain, TLS, SASL). Server: Connection.Start (frame type 1, channel 0, class 10, method 10, version 0-9,
/// server-properties table) ended by the frame-end octet 0xCE, or its own protocol header. Flows picked up
/// mid-stream are recognised from a complete 0-9-1 method frame (known class, 0xCE at the announced end).
/// </summary>
public sealed class AmqpFingerprinter : IFingerprinter
{
    public static readonly AmqpFingerprinter Instance = new();

    /// <summary>Largest frame accepted for a first frame (RabbitMQ's negotiated frame_max default is 128 KiB).</summary>
    public const int MaxFrameSize = 1024 * 1024;

    internal const byte FrameEnd = 0xCE;

    public string Name => "amqp";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): Either side: the "AMQP" protocol header or a method frame (type 1).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of((byte)'A', 1));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeSide(context.Client, fromServer: false);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeSide(context.Server, fromServer: true);
        return ProbeCombiner.Combine(context, client, server);
    }

    internal static ProbeResult ProbeSide(ReadOnlySpan<byte> data, bool fromServer)
    {
        if (data[0] == (byte)'A')
        {
            return ProbeHeader(data);
        }

        return ProbeMethodFrame(data, fromServer);
    }

    private static ProbeResult ProbeHeader(ReadOnlySpan<byte> data)
    {
        var magic = "AMQP"u8;
        int n = Math.Min(data.Length, 4);
        if (!data[..n].SequenceEqual(magic[..n]))
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 8)
        {
            return ProbeResult.NeedMore;
        }

        return VersionName(data[4..8]) is not null ? ProbeResult.Matched(Confidence.High, "amqp.protocol_header") : ProbeResult.NoMatch;
    }

    internal static string? VersionName(ReadOnlySpan<byte> v) => (v[0], v[1], v[2], v[3]) switch
    {
        (0, 0, 9, 1) => "0-9-1",
        (1, 1, 0, 9) => "0-9",
        (1, 1, 0, 10) => "0-10",
        (1, 1, 8, 0) => "0-8",
        (0, 1, 0, 0) => "1.0",
        (2, 1, 0, 0) => "1.0",
        (3, 1, 0, 0) => "1.0",
        _ => null,
    };

    /// <summary>A 0-9-1 method frame: type 1, channel, size, class id, method id, ..., 0xCE.</summary>
    private static ProbeResult ProbeMethodFrame(ReadOnlySpan<byte> data, bool fromServer)
    {
        if (data[0] != 1)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 7)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(data[3..]);
            if (size < 4 || size > MaxFrameSize)
            {
                return ProbeResult.NoMatch;
            }
        }

        if (data.Length >= 11)
        {
            int classId = BinaryPrimitives.ReadUInt16BigEndian(data[7..]);
            int methodId = BinaryPrimitives.ReadUInt16BigEndian(data[9..]);
            if (!MethodKnown(classId, methodId))
            {
                return ProbeResult.NoMatch;
            }
        }

        if (data.Length < 11)
        {
            return ProbeResult.NeedMore;
        }

        int total = 7 + (int)BinaryPrimitives.ReadUInt32BigEndian(data[3..]) + 1;
        if (data.Length < total)
        {
            return ProbeResult.NeedMore;
        }

        if (data[total - 1] != FrameEnd)
        {
            return ProbeResult.NoMatch;
        }

        bool start = BinaryPrimitives.ReadUInt16BigEndian(data[7..]) == 10 && BinaryPrimitives.ReadUInt16BigEndian(data[9..]) == 10;
        if (start)
        {
            // Connection.Start comes from the server on channel 0 and announces version 0-9.
            return fromServer && data[1] == 0 && data[2] == 0 && total >= 7 + 6 + 1 && data[11] == 0 && data[12] == 9
                ? ProbeResult.Matched(Confidence.High, "amqp.connection_start")
                : ProbeResult.NoMatch;
        }

        return ProbeResult.Matched(Confidence.Medium, "amqp.method_frame");
    }

    private static bool MethodKnown(int classId, int methodId) => classId switch
    {
        10 => methodId is 10 or 11 or 20 or 21 or 30 or 31 or 40 or 41 or 50 or 51 or 60 or 61,
        20 => methodId is 10 or 11 or 20 or 21 or 40 or 41,
        40 => methodId is 10 or 11 or 20 or 21 or 30 or 31 or 40 or 41,
        50 => methodId is 10 or 11 or 20 or 21 or 30 or 31 or 40 or 41 or 50 or 51,
        60 => methodId is 10 or 11 or 20 or 21 or 30 or 31 or 40 or 50 or 60 or 70 or 71 or 72 or 80 or 90 or 100 or 110 or 111 or 120,
        85 => methodId is 10 or 11,
        90 => methodId is 10 or 11 or 20 or 21 or 30 or 31,
        _ => false,
    };

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as AmqpMetadata ?? new AmqpMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
