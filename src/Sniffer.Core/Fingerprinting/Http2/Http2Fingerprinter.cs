using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Http2;

/// <summary>
/// HTTP/2 with prior knowledge (RFC 9113 §3.3): the client connection preface, or a server whose first frame is
/// SETTINGS on stream 0. (h2c via HTTP/1.1 Upgrade is recognised by the HTTP fingerprinter.)
/// </summary>
public sealed class Http2Fingerprinter : IFingerprinter
{
    public static readonly Http2Fingerprinter Instance = new();

    /// <summary>The client connection preface.</summary>
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Largest SETTINGS payload accepted (a few dozen settings).</summary>
    public const int MaxSettingsLength = 36 * 6;

    public string Name => "http2";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): The client preface starts with 'P'; a short server side waits whatever its
    /// first byte.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = new(ByteSet.Of((byte)'P'), ByteSet.All);

    public ProbeResult Probe(in InspectionContext context)
    {
        var c = context.Client;
        if (!c.IsEmpty)
        {
            int n = Math.Min(c.Length, Preface.Length);
            if (!c[..n].SequenceEqual(Preface[..n]))
            {
                return ProbeResult.NoMatch;
            }

            if (n == Preface.Length)
            {
                return ProbeResult.Matched(Confidence.High, "http2.preface");
            }
        }

        var s = context.Server;
        if (!s.IsEmpty)
        {
            if (s.Length < 9)
            {
                return context.ServerComplete ? ProbeResult.NoMatch : ProbeResult.NeedMore;
            }

            int length = (s[0] << 16) | (s[1] << 8) | s[2];
            bool settings = s[3] == 4 && (s[4] & 0xFE) == 0 && BinaryPrimitives.ReadUInt32BigEndian(s[5..]) == 0 &&
                            length % 6 == 0 && length <= MaxSettingsLength && (s[4] == 0 || length == 0);
            if (!settings)
            {
                return ProbeResult.NoMatch;
            }

            if (c.IsEmpty)
            {
                return ProbeResult.Matched(Confidence.Medium, "http2.settings");
            }
        }

        return context.ClientComplete && context.ServerComplete ? ProbeResult.NoMatch : ProbeResult.NeedMore;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        metadata ??= new Http2Metadata(context.Client.StartsWith(Preface));
        return true;
    }

    private sealed class Http2Metadata(bool priorKnowledge) : ProtocolMetadata
    {
        public override void WriteEcs(Utf8JsonWriter writer)
        {
        }

        public override void WriteSniffer(Utf8JsonWriter writer)
        {
            writer.WriteStartObject("http2"u8);
            writer.WriteBoolean("prior_knowledge"u8, priorKnowledge);
            writer.WriteEndObject();
        }
    }
}
