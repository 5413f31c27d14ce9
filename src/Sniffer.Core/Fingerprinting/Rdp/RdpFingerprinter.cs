using System.Buffers.Binary;
using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Rdp;

/// <summary>
/// RDP connection start (MS-RDPBCGR 2.2.1.1/2.2.1.2): TPKT (03 00 + length) carrying an X.224 Connection
/// Request (0xE0, class 0) with an optional "Cookie: mstshash=USER\r\n" (or "Cookie: msts=" routing token) and an
/// optional RDP_NEG_REQ (type 1, length 8), answered by a Connection Confirm (0xD0) with RDP_NEG_RSP (type 2) or
/// RDP_NEG_FAILURE (type 3). A bare class-0 request with nothing after it (old clients) is a weak shape; ISO
/// transport requests with TSAP parameters (S7comm, MMS) are refused.
/// </summary>
public sealed class RdpFingerprinter : IFingerprinter
{
    public static readonly RdpFingerprinter Instance = new();

    /// <summary>Largest TPKT accepted for a Connection Request/Confirm (routing tokens are short).</summary>
    public const int MaxTpktLength = 2048;

    internal const byte ConnectionRequest = 0xE0;
    internal const byte ConnectionConfirm = 0xD0;

    public string Name => "rdp";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): TPKT version 3 on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of(3));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeTpdu(context.Client, ConnectionRequest, out _);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeTpdu(context.Server, ConnectionConfirm, out _);
        return ProbeCombiner.Combine(context, client, server);
    }

    /// <summary>Validates a TPKT + X.224 CR/CC; <paramref name="total"/> is the TPKT length when complete.</summary>
    internal static ProbeResult ProbeTpdu(ReadOnlySpan<byte> data, byte code, out int total)
    {
        total = 0;
        if (data[0] != 3 || (data.Length > 1 && data[1] != 0))
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 4)
        {
            return ProbeResult.NeedMore;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if (length < 11 || length > MaxTpktLength)
        {
            return ProbeResult.NoMatch;
        }

        // X.224: length indicator = TPKT length - 5, then CR/CC code (credit nibble 0), dst-ref, src-ref, class 0.
        if (data.Length >= 5 && data[4] != length - 5)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 6 && data[5] != code)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length >= 11 && (data[10] & 0xF0) != 0)
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < length)
        {
            return ProbeResult.NeedMore;
        }

        var rest = data[11..length];
        if (code == ConnectionRequest && rest.StartsWith("Cookie: "u8))
        {
            int end = rest.IndexOf("\r\n"u8);
            if (end < 0)
            {
                return ProbeResult.NoMatch;
            }

            rest = rest[(end + 2)..];
            if (rest.IsEmpty)
            {
                total = length;
                return ProbeResult.Matched(Confidence.High, "rdp.connection_request");
            }
        }

        if (rest.IsEmpty)
        {
            total = length;
            return ProbeResult.Matched(Confidence.Low, code == ConnectionRequest ? "rdp.connection_request" : "rdp.connection_confirm");
        }

        // RDP_NEG_REQ (1) / RDP_NEG_RSP (2) / RDP_NEG_FAILURE (3), length 8; RDP_NEG_REQ may be followed by a
        // 36-byte RDP_NEG_CORRELATION_INFO (type 6).
        bool typeOk = code == ConnectionRequest ? rest[0] == 1 : rest[0] is 2 or 3;
        if (!typeOk || rest.Length < 8 || BinaryPrimitives.ReadUInt16LittleEndian(rest[2..]) != 8)
        {
            return ProbeResult.NoMatch;
        }

        if (rest.Length != 8 && !(rest.Length == 8 + 36 && rest[8] == 6))
        {
            return ProbeResult.NoMatch;
        }

        total = length;
        return ProbeResult.Matched(code == ConnectionRequest ? Confidence.High : Confidence.Medium,
            code == ConnectionRequest ? "rdp.connection_request" : "rdp.connection_confirm");
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as RdpMetadata ?? new RdpMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
