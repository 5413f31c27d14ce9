using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Rtp;

/// <summary>RTP/RTCP header fields (ECS has none: <c>sniffer.rtp.*</c>).</summary>
public sealed class RtpMetadata : ProtocolMetadata
{
    public int? PayloadType { get; private set; }
    /// <summary>Synchronisation source as 8 lowercase hex digits.</summary>
    public string? Ssrc { get; private set; }
    /// <summary>RTCP packet type of the first packet, when the datagram was RTCP.</summary>
    public string? RtcpType { get; private set; }

    internal void Fill(ReadOnlySpan<byte> d)
    {
        uint ssrc;
        if (d[1] is >= RtpFingerprinter.RtcpSenderReport and <= RtpFingerprinter.RtcpLastType)
        {
            RtcpType = d[1] == RtpFingerprinter.RtcpSenderReport ? "sender_report" : "receiver_report";
            ssrc = BinaryPrimitives.ReadUInt32BigEndian(d[4..]);
        }
        else
        {
            PayloadType = d[1] & 0x7F;
            ssrc = BinaryPrimitives.ReadUInt32BigEndian(d[8..]);
        }

        Ssrc = ssrc.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>Encoding of a static payload type (RFC 3551 table 4/5), or null for dynamic ones.</summary>
    public static string? Encoding(int pt) => pt switch
    {
        0 => "PCMU",
        3 => "GSM",
        4 => "G723",
        5 or 6 => "DVI4",
        7 => "LPC",
        8 => "PCMA",
        9 => "G722",
        10 or 11 => "L16",
        12 => "QCELP",
        13 => "CN",
        14 => "MPA",
        15 => "G728",
        16 or 17 => "DVI4",
        18 => "G729",
        25 => "CelB",
        26 => "JPEG",
        28 => "nv",
        31 => "H261",
        32 => "MPV",
        33 => "MP2T",
        34 => "H263",
        _ => null,
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (Ssrc is null)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Rtp);
        if (PayloadType is int pt)
        {
            writer.WriteNumber(JsonNames.PayloadType, pt);
            if (Encoding(pt) is string encoding)
            {
                Output.JsonStringCache.WriteString(writer, JsonNames.Encoding, encoding);
            }
        }

        Output.JsonStringCache.WriteString(writer, JsonNames.Ssrc, Ssrc);
        if (RtcpType is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.RtcpType, RtcpType);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Encoding = JsonEncodedText.Encode("encoding");
    public static readonly JsonEncodedText PayloadType = JsonEncodedText.Encode("payload_type");
    public static readonly JsonEncodedText RtcpType = JsonEncodedText.Encode("rtcp_type");
    public static readonly JsonEncodedText Rtp = JsonEncodedText.Encode("rtp");
    public static readonly JsonEncodedText Ssrc = JsonEncodedText.Encode("ssrc");
}
