using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Modbus;

/// <summary>
/// Modbus/TCP (Modbus Messaging on TCP/IP Implementation Guide v1.0b): MBAP header (transaction id, protocol id
/// 0, length = unit id + PDU, 2..254) then the PDU. Requests are checked per function code (read quantities,
/// single-write values, byte counts); responses must echo the transaction id and function code (or
/// function|0x80 with exception code 1..11).
/// </summary>
public sealed class ModbusFingerprinter : IFingerprinter
{
    public static readonly ModbusFingerprinter Instance = new();

    /// <summary>Largest MBAP length (unit id + 253-byte PDU).</summary>
    public const int MaxLength = 254;

    public string Name => "modbus";

    public ProbeResult Probe(in InspectionContext context)
    {
        var result = ProbeOriented(context);
        if (result.Status != ProbeStatus.NoMatch || context.Server.IsEmpty)
        {
            return result;
        }

        // Mid-stream flows whose direction was guessed wrong: the requests are on the "server" side.
        return ProbeOriented(ProbeCombiner.Swap(context));
    }

    private static ProbeResult ProbeOriented(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeRequest(context.Client);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeResponse(context.Server, context.Client);
        return ProbeCombiner.Combine(context, client, server);
    }

    private static ProbeResult Header(ReadOnlySpan<byte> d, out int length)
    {
        length = 0;
        if ((d.Length >= 3 && d[2] != 0) || (d.Length >= 4 && d[3] != 0) || (d.Length >= 5 && d[4] != 0))
        {
            return ProbeResult.NoMatch;
        }

        if (d.Length < 8)
        {
            return d.Length >= 6 && d[5] is < 2 or > MaxLength ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        length = d[5];
        if (length < 2)
        {
            return ProbeResult.NoMatch;
        }

        return d.Length < 6 + length ? ProbeResult.NeedMore : ProbeResult.Matched(Confidence.Low, "mbap");
    }

    internal static ProbeResult ProbeRequest(ReadOnlySpan<byte> d)
    {
        var h = Header(d, out int length);
        if (h.Status != ProbeStatus.Match)
        {
            return d.Length >= 8 && h.Status == ProbeStatus.NeedMoreData && !FunctionKnown(d[7]) ? ProbeResult.NoMatch : h;
        }

        var pdu = d.Slice(7, length - 1);
        byte fc = pdu[0];
        int quantity = pdu.Length >= 5 ? BinaryPrimitives.ReadUInt16BigEndian(pdu[3..]) : 0;
        bool ok = fc switch
        {
            1 or 2 => pdu.Length == 5 && quantity is >= 1 and <= 2000,
            3 or 4 => pdu.Length == 5 && quantity is >= 1 and <= 125,
            5 => pdu.Length == 5 && quantity is 0xFF00 or 0x0000,
            6 => pdu.Length == 5,
            7 or 11 or 12 or 17 => pdu.Length == 1,
            8 => pdu.Length >= 3,
            15 => pdu.Length >= 7 && quantity is >= 1 and <= 1968 && pdu[5] == (quantity + 7) / 8 && pdu.Length == 6 + pdu[5],
            16 => pdu.Length >= 8 && quantity is >= 1 and <= 123 && pdu[5] == quantity * 2 && pdu.Length == 6 + pdu[5],
            22 => pdu.Length == 7,
            23 => pdu.Length >= 12 && pdu[9] == BinaryPrimitives.ReadUInt16BigEndian(pdu[7..]) * 2 && pdu.Length == 10 + pdu[9],
            43 => pdu.Length >= 2 && pdu[1] is 0x0D or 0x0E,
            _ => false,
        };
        return ok ? ProbeResult.Matched(Confidence.Medium, "modbus.request") : ProbeResult.NoMatch;
    }

    private static bool FunctionKnown(byte fc) => fc is (>= 1 and <= 8) or 11 or 12 or 15 or 16 or 17 or 22 or 23 or 43;

    /// <summary>A response echoing the request's transaction id and function code.</summary>
    private static ProbeResult ProbeResponse(ReadOnlySpan<byte> d, ReadOnlySpan<byte> request)
    {
        var h = Header(d, out int length);
        if (h.Status != ProbeStatus.Match)
        {
            return h;
        }

        if (request.Length < 8)
        {
            // Responses alone are too weak a shape; wait for (or give up without) the request.
            return ProbeResult.NeedMore;
        }

        if (!d[..2].SequenceEqual(request[..2]))
        {
            return ProbeResult.NoMatch;
        }

        byte fc = d[7];
        if (fc == request[7])
        {
            return ProbeResult.Matched(Confidence.Medium, "modbus.response");
        }

        return fc == (request[7] | 0x80) && length == 3 && d[8] is >= 1 and <= 11
            ? ProbeResult.Matched(Confidence.Medium, "modbus.exception")
            : ProbeResult.NoMatch;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as ModbusMetadata ?? new ModbusMetadata();
        metadata = meta;
        bool swapped = ProbeRequest(context.Client.IsEmpty ? [0xFF] : context.Client).Status != ProbeStatus.Match && !context.Server.IsEmpty;
        return swapped ? meta.Fill(context.Server, context.Client) : meta.Fill(context.Client, context.Server);
    }
}
