using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.WebSocket;

/// <summary>
/// WebSocket frames (RFC 6455 §5.2) seen mid-stream, after an upgrade the capture missed: client frames are
/// masked, server frames are not, reserved bits clear, a known opcode, and the frames must tile the bytes seen
/// (several frames, or one frame filling the segment exactly). A weak shape by nature: Low/Medium confidence,
/// probed after every other protocol. (A visible HTTP Upgrade is recognised by the HTTP fingerprinter.)
/// </summary>
public sealed class WebSocketFingerprinter : IFingerprinter
{
    public static readonly WebSocketFingerprinter Instance = new();

    /// <summary>Frames checked per direction.</summary>
    public const int MaxFramesChecked = 8;

    public string Name => "websocket";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): A first frame opens a message or is a final control frame, reserved bits
    /// clear; judged from two bytes on (a lone byte waits).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        FirstBytes.Both(ByteSet.Of(0x01, 0x02, 0x81, 0x82, 0x88, 0x89, 0x8A), minLength: 2);

    public ProbeResult Probe(in InspectionContext context)
    {
        // Clients mask, servers do not; mid-stream the sensor may have the roles the other way round.
        var asSeen = Probe(context, clientMasks: true);
        return asSeen.Status == ProbeStatus.NoMatch ? Probe(context, clientMasks: false) : asSeen;
    }

    private static ProbeResult Probe(in InspectionContext context, bool clientMasks)
    {
        var c = Check(context.Client, masked: clientMasks, context.ClientComplete);
        var s = Check(context.Server, masked: !clientMasks, context.ServerComplete);
        if (c == Shape.Invalid || s == Shape.Invalid)
        {
            return ProbeResult.NoMatch;
        }

        if (c == Shape.Frames && s == Shape.Frames)
        {
            return ProbeResult.Matched(Confidence.Medium, "websocket.frames");
        }

        if ((c == Shape.Frames && context.Server.IsEmpty && context.ServerComplete) || (s == Shape.Frames && context.Client.IsEmpty && context.ClientComplete) ||
            (c == Shape.Frames && s == Shape.Frames))
        {
            return ProbeResult.Matched(Confidence.Low, "websocket.frames");
        }

        if (c == Shape.Frames || s == Shape.Frames)
        {
            // One side fits; let the other side confirm, or the window close.
            return context.ClientComplete && context.ServerComplete ? ProbeResult.Matched(Confidence.Low, "websocket.frames") : ProbeResult.NeedMore;
        }

        return context.ClientComplete && context.ServerComplete ? ProbeResult.NoMatch : ProbeResult.NeedMore;
    }

    private enum Shape
    {
        Empty,
        Partial,
        Frames,
        Invalid,
    }

    private static Shape Check(ReadOnlySpan<byte> s, bool masked, bool complete)
    {
        if (s.IsEmpty)
        {
            return Shape.Empty;
        }

        int offset = 0;
        for (int frames = 0; frames < MaxFramesChecked && offset < s.Length; frames++)
        {
            var f = s[offset..];
            if (f.Length < 2)
            {
                return complete ? Shape.Invalid : Shape.Partial;
            }

            int opcode = f[0] & 0x0F;
            if ((f[0] & 0x70) != 0 || opcode is not (0 or 1 or 2 or 8 or 9 or 10) || ((f[1] & 0x80) != 0) != masked)
            {
                return Shape.Invalid;
            }

            // Runs of zero bytes (length-prefixed binary protocols) would read as empty continuation frames:
            // the first frame seen must open a message or be a control frame, and data frames carry data.
            if ((frames == 0 && opcode == 0) || (opcode is 0 or 1 or 2 && (f[1] & 0x7F) == 0))
            {
                return Shape.Invalid;
            }

            // Control frames are final and short.
            int len7 = f[1] & 0x7F;
            if (opcode >= 8 && ((f[0] & 0x80) == 0 || len7 > 125))
            {
                return Shape.Invalid;
            }

            int header = 2;
            long length = len7;
            if (len7 == 126)
            {
                if (f.Length < 4)
                {
                    return Shape.Partial;
                }

                length = BinaryPrimitives.ReadUInt16BigEndian(f[2..]);
                header = 4;
                if (length < 126)
                {
                    return Shape.Invalid; // minimal encoding is required
                }
            }
            else if (len7 == 127)
            {
                if (f.Length < 10)
                {
                    return Shape.Partial;
                }

                length = (long)BinaryPrimitives.ReadUInt64BigEndian(f[2..]);
                header = 10;
                if (length is < 65536 or > int.MaxValue)
                {
                    return Shape.Invalid;
                }
            }

            header += masked ? 4 : 0;
            long end = header + length;
            if (end > f.Length)
            {
                // The frame continues beyond what was kept: it fits as far as it goes.
                return frames > 0 || complete ? Shape.Frames : Shape.Partial;
            }

            offset += (int)end;
        }

        return Shape.Frames;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) => true;
}
