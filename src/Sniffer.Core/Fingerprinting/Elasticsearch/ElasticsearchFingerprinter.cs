using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Elasticsearch;

/// <summary>
/// The Elasticsearch node-to-node transport protocol (TCP 9300): each message is 'E' 'S', an int32 length of what
/// follows, an int64 request id, a status byte (response, error, compressed, handshake bits), an int32 version id
/// (major*1000000 + minor*10000 + revision*100 + build) and, from 7.6, an int32 variable-header size. A lone
/// 'E' 'S' 0xFFFFFFFF is the keep-alive ping.
/// </summary>
public sealed class ElasticsearchFingerprinter : IFingerprinter
{
    public static readonly ElasticsearchFingerprinter Instance = new();

    /// <summary>'E' 'S' + int32 length.</summary>
    public const int MarkerLength = 6;
    /// <summary>Marker, length, request id, status, version.</summary>
    public const int HeaderLength = MarkerLength + 8 + 1 + 4;
    /// <summary>Largest message accepted (the default http.max_content_length / transport limit: 100 MiB).</summary>
    public const int MaxMessageLength = 100 * 1024 * 1024;
    /// <summary>Version ids accepted: 1.0.0 up to what an int of the documented shape can hold.</summary>
    public const int MinVersionId = 1_000_000, MaxVersionId = 99_999_999;
    /// <summary>First version id with the int32 variable-header size (7.6.0).</summary>
    public const int VariableHeaderVersionId = 7_060_000;
    /// <summary>Status bits: response, error, compressed, handshake.</summary>
    public const byte StatusResponse = 1, StatusError = 2, StatusCompressed = 4, StatusHandshake = 8, StatusMask = 0x0F;
    /// <summary>Most messages walked per direction when extracting.</summary>
    public const int MaxMessages = 16;

    public string Name => "elasticsearch";

    internal enum Shape : byte
    {
        Empty,
        Invalid,
        Partial,
        Ping,
        Message,
    }

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): The "ES" marker on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of((byte)'E'));

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport != Transport.Tcp)
        {
            return ProbeResult.NoMatch;
        }

        var c = Classify(context.Client, context.ClientComplete);
        var s = Classify(context.Server, context.ServerComplete);
        if (c == Shape.Invalid || s == Shape.Invalid)
        {
            return ProbeResult.NoMatch;
        }

        if (c == Shape.Message && s == Shape.Message)
        {
            return ProbeResult.Matched(Confidence.High, "elasticsearch.exchange");
        }

        if (c == Shape.Message || s == Shape.Message)
        {
            return ProbeResult.Matched(Confidence.Medium, "elasticsearch.message");
        }

        if ((c == Shape.Ping || s == Shape.Ping) && c != Shape.Partial && s != Shape.Partial)
        {
            return ProbeResult.Matched(Confidence.Low, "elasticsearch.ping");
        }

        return ProbeResult.NeedMore;
    }

    internal static Shape Classify(ReadOnlySpan<byte> d, bool complete)
    {
        if (d.IsEmpty)
        {
            return Shape.Empty;
        }

        var shape = CheckHeader(d, out _);
        return shape == Shape.Partial && complete ? Shape.Invalid : shape;
    }

    /// <summary>Validates the message header at the start of <paramref name="d"/>; <paramref name="total"/> is the whole message size.</summary>
    internal static Shape CheckHeader(ReadOnlySpan<byte> d, out long total)
    {
        total = 0;
        if (d[0] != (byte)'E' || (d.Length > 1 && d[1] != (byte)'S'))
        {
            return Shape.Invalid;
        }

        if (d.Length < MarkerLength)
        {
            // The length's top byte is 0x00 for a message, 0xFF for a ping.
            return d.Length > 2 && d[2] is not (0x00 or 0xFF) ? Shape.Invalid : Shape.Partial;
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(d[2..]);
        if (length == -1)
        {
            total = MarkerLength;
            return Shape.Ping;
        }

        if (length < HeaderLength - MarkerLength || length > MaxMessageLength)
        {
            return Shape.Invalid;
        }

        total = MarkerLength + (long)length;
        if (d.Length > MarkerLength && (d[MarkerLength] & 0x80) != 0)
        {
            return Shape.Invalid; // negative request id
        }

        if (d.Length < HeaderLength)
        {
            return d.Length > 14 && (d[14] & ~StatusMask) != 0 ? Shape.Invalid : Shape.Partial;
        }

        byte status = d[14];
        int version = BinaryPrimitives.ReadInt32BigEndian(d[15..]);
        if ((status & ~StatusMask) != 0 || version is < MinVersionId or > MaxVersionId)
        {
            return Shape.Invalid;
        }

        if (version >= VariableHeaderVersionId)
        {
            if (d.Length < HeaderLength + 4)
            {
                return Shape.Partial;
            }

            int variable = BinaryPrimitives.ReadInt32BigEndian(d[HeaderLength..]);
            if (variable < 0 || variable > length - (HeaderLength - MarkerLength) - 4)
            {
                return Shape.Invalid;
            }
        }

        return Shape.Message;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as ElasticsearchMetadata ?? new ElasticsearchMetadata();
        metadata = meta;
        Walk(context.Client, meta);
        Walk(context.Server, meta);
        return (meta.HasNodeVersion && meta.Action is not null) || (context.ClientComplete && context.ServerComplete);
    }

    private static void Walk(ReadOnlySpan<byte> d, ElasticsearchMetadata meta)
    {
        int offset = 0;
        for (int i = 0; i < MaxMessages && offset < d.Length; i++)
        {
            var rest = d[offset..];
            var shape = CheckHeader(rest, out long total);
            if (shape == Shape.Ping)
            {
                offset += MarkerLength;
                continue;
            }

            if (shape != Shape.Message)
            {
                return;
            }

            meta.Absorb(rest[..(int)Math.Min(total, rest.Length)]);
            if (total > rest.Length)
            {
                return;
            }

            offset += (int)total;
        }
    }
}
