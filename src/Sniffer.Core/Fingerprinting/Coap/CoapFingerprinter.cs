using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Coap;

/// <summary>
/// CoAP (RFC 7252) over UDP: version 1, a type consistent with the code (requests CON/NON, RST only empty), token
/// length 0–8, a defined request or response code, and every option walked (known option numbers with their allowed
/// sizes, or the experimental range) up to the end or a payload marker followed by a payload. A message one way is
/// Medium once the peer answers or the same side sends another CoAP datagram, Low when it stays alone.
/// </summary>
public sealed class CoapFingerprinter : IFingerprinter
{
    public static readonly CoapFingerprinter Instance = new();

    public string Name => "coap";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): Version 1 in the top two bits on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Range(0x40, 0x7F));

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport != Transport.Udp)
        {
            return ProbeResult.NoMatch;
        }

        var c = context.Client.IsEmpty ? (CoapParser.MessageKind?)null : CoapParser.Check(context.Client, out _);
        var s = context.Server.IsEmpty ? (CoapParser.MessageKind?)null : CoapParser.Check(context.Server, out _);
        if (c == CoapParser.MessageKind.Invalid || s == CoapParser.MessageKind.Invalid)
        {
            return ProbeResult.NoMatch;
        }

        if (c is null && s is null)
        {
            return ProbeResult.NeedMore;
        }

        if (c is not null && s is not null)
        {
            // An ACK/RST echoes the message ID; a separate response echoes the token.
            bool sameId = context.Client[2] == context.Server[2] && context.Client[3] == context.Server[3];
            bool sameToken = (context.Client[0] & 0x0F) == (context.Server[0] & 0x0F)
                && context.Client.Slice(CoapParser.HeaderLength, context.Client[0] & 0x0F)
                    .SequenceEqual(context.Server.Slice(CoapParser.HeaderLength, context.Server[0] & 0x0F));
            return sameId || (sameToken && (context.Client[0] & 0x0F) > 0)
                ? ProbeResult.Matched(Confidence.High, "coap.exchange")
                : ProbeResult.Matched(Confidence.Medium, "coap.message");
        }

        var kind = c ?? s!.Value;
        if (kind == CoapParser.MessageKind.Empty)
        {
            return ProbeResult.Matched(Confidence.Low, "coap.empty");
        }

        // One message one way: about one random datagram in 4,000 walks as CoAP, so wait for the reply or for the
        // next datagram of that direction (a retransmission or the next request); a lone datagram is only Low.
        var next = c is not null ? context.ClientNext : context.ServerNext;
        string evidence = kind == CoapParser.MessageKind.Request ? "coap.request" : "coap.response";
        if (next.IsEmpty)
        {
            return context.ClientComplete && context.ServerComplete ? ProbeResult.Matched(Confidence.Low, evidence) : ProbeResult.NeedMore;
        }

        return HeaderLooksLikeCoap(next) ? ProbeResult.Matched(Confidence.Medium, evidence) : ProbeResult.NoMatch;
    }

    /// <summary>The fixed header of a later datagram (all a kept head may hold): version 1, a token length, a defined code.</summary>
    internal static bool HeaderLooksLikeCoap(ReadOnlySpan<byte> head) =>
        head.Length >= CoapParser.HeaderLength && (head[0] >> 6) == 1 && (head[0] & 0x0F) <= CoapParser.MaxTokenLength
        && CoapParser.IsValidCode(head[1]);

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as CoapMetadata ?? new CoapMetadata();
        metadata = meta;
        if (meta.Code is null && !context.Client.IsEmpty && CoapParser.Check(context.Client, out _) != CoapParser.MessageKind.Invalid)
        {
            meta.FillRequest(context.Client);
        }

        if (meta.ResponseCode is null && !context.Server.IsEmpty && CoapParser.Check(context.Server, out _) != CoapParser.MessageKind.Invalid)
        {
            meta.FillResponse(context.Server);
        }

        return meta.ResponseCode is not null || context.ServerComplete;
    }

    internal static ushort MessageId(ReadOnlySpan<byte> d) => BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
}
