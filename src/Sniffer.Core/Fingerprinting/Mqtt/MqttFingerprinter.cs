using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Mqtt;

/// <summary>
/// MQTT 3.1 / 3.1.1 / 5.0. Client: CONNECT (0x10, remaining-length varint of at most 4 bytes, protocol name
/// "MQTT" level 4/5 or "MQIsdp" level 3, connect flags with the reserved bit clear, keep-alive, [v5 properties],
/// client id). Server: CONNACK (0x20, flags 0/1, return/reason code).
/// </summary>
public sealed class MqttFingerprinter : IFingerprinter
{
    public static readonly MqttFingerprinter Instance = new();

    /// <summary>Largest CONNECT accepted (will payloads and passwords included).</summary>
    public const int MaxConnectLength = 64 * 1024;
    /// <summary>Longest client id accepted.</summary>
    public const int MaxClientIdLength = 1024;

    public string Name => "mqtt";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): CONNECT (0x10) from the client, CONNACK (0x20) from the server.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = new(ByteSet.Of(0x10), ByteSet.Of(0x20));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeConnect(context.Client, out _);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeConnack(context.Server);
        return ProbeCombiner.Combine(context, client, server);
    }

    /// <summary>Reads the remaining-length varint at <paramref name="pos"/>: -1 invalid, 0 need more, else its byte count.</summary>
    internal static int ReadVarint(ReadOnlySpan<byte> data, int pos, out int value)
    {
        value = 0;
        for (int i = 0; i < 4; i++)
        {
            if (pos + i >= data.Length)
            {
                return 0;
            }

            byte b = data[pos + i];
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                // Minimal encoding: no trailing zero continuation groups.
                return i > 0 && b == 0 ? -1 : i + 1;
            }
        }

        return -1;
    }

    /// <summary>CONNECT. <paramref name="header"/> is the fixed header's size when the variable header parsed.</summary>
    internal static ProbeResult ProbeConnect(ReadOnlySpan<byte> data, out int header)
    {
        header = 0;
        if (data[0] != 0x10)
        {
            return ProbeResult.NoMatch;
        }

        int n = ReadVarint(data, 1, out int remaining);
        if (n < 0)
        {
            return ProbeResult.NoMatch;
        }

        if (n == 0)
        {
            return ProbeResult.NeedMore;
        }

        if (remaining < 12 || remaining > MaxConnectLength)
        {
            return ProbeResult.NoMatch;
        }

        header = 1 + n;
        var v = data[header..Math.Min(data.Length, header + remaining)];
        // Protocol name.
        ReadOnlySpan<byte> expected = v.Length >= 2 && v[1] == 6 ? "\0\u0006MQIsdp"u8 : "\0\u0004MQTT"u8;
        int m = Math.Min(v.Length, expected.Length);
        if (!v[..m].SequenceEqual(expected[..m]))
        {
            return ProbeResult.NoMatch;
        }

        int pos = expected.Length;
        if (v.Length < pos + 4)
        {
            return ProbeResult.NeedMore;
        }

        int level = v[pos] & 0x7F; // 0x80: bridge flag (Mosquitto)
        bool ok = expected.Length == 8 ? level == 3 : level is 4 or 5;
        byte flags = v[pos + 1];
        bool will = (flags & 0x04) != 0;
        if (!ok || (flags & 0x01) != 0 || ((flags >> 3) & 3) == 3 || (!will && (flags & 0x38) != 0)
            || (level < 5 && (flags & 0x40) != 0 && (flags & 0x80) == 0))
        {
            return ProbeResult.NoMatch;
        }

        pos += 4;
        if (level == 5)
        {
            int pn = ReadVarint(v, pos, out int propLength);
            if (pn < 0 || (pn > 0 && propLength > remaining))
            {
                return ProbeResult.NoMatch;
            }

            if (pn == 0)
            {
                return ProbeResult.NeedMore;
            }

            pos += pn + propLength;
        }

        if (pos + 2 > remaining)
        {
            return ProbeResult.NoMatch;
        }

        if (v.Length < pos + 2)
        {
            return ProbeResult.NeedMore;
        }

        int idLength = BinaryPrimitives.ReadUInt16BigEndian(v[pos..]);
        if (idLength > MaxClientIdLength || pos + 2 + idLength > remaining)
        {
            return ProbeResult.NoMatch;
        }

        if (v.Length < remaining)
        {
            return ProbeResult.NeedMore;
        }

        return ProbeResult.Matched(Confidence.High, "mqtt.connect");
    }

    /// <summary>CONNACK: 0x20, remaining 2 (3.x) or 3+ (5.0), acknowledge flags 0/1, return code.</summary>
    private static ProbeResult ProbeConnack(ReadOnlySpan<byte> data)
    {
        if (data[0] != 0x20)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 4)
        {
            return data.Length >= 2 && data[1] is < 2 or > 0x7F ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        int remaining = data[1];
        if (remaining < 2 || remaining > 0x7F || data[2] > 1)
        {
            return ProbeResult.NoMatch;
        }

        byte code = data[3];
        bool ok = remaining == 2 ? code <= 5 : code is 0 or >= 0x80 and <= 0x9F;
        if (!ok)
        {
            return ProbeResult.NoMatch;
        }

        if (remaining > 2)
        {
            int pn = ReadVarint(data, 4, out int propLength);
            if (pn < 0 || (pn > 0 && 2 + pn + propLength != remaining))
            {
                return ProbeResult.NoMatch;
            }

            if (pn == 0)
            {
                return ProbeResult.NeedMore;
            }
        }

        return ProbeResult.Matched(Confidence.Low, "mqtt.connack");
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as MqttMetadata ?? new MqttMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
