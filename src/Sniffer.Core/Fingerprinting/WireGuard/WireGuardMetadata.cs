using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.WireGuard;

/// <summary>WireGuard first messages: <c>sniffer.wireguard.*</c> (message_type, sender_index, receiver_index as 8 hex digits).</summary>
public sealed class WireGuardMetadata : ProtocolMetadata
{
    public string? MessageType { get; private set; }
    public string? SenderIndex { get; private set; }
    public string? ReceiverIndex { get; private set; }

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        var first = client.IsEmpty ? server : client;
        if (MessageType is null && WireGuardFingerprinter.ProbeMessage(first).Status == ProbeStatus.Match)
        {
            MessageType = first[0] switch
            {
                1 => "handshake_initiation",
                2 => "handshake_response",
                3 => "cookie_reply",
                _ => "transport_data",
            };
            if (first[0] is 1 or 2)
            {
                SenderIndex = Index(first[4..]);
            }

            if (first[0] == 2)
            {
                ReceiverIndex = Index(first[8..]);
            }
            else if (first[0] is 3 or 4)
            {
                ReceiverIndex = Index(first[4..]);
            }
        }

        return MessageType is not null && (client.IsEmpty || !server.IsEmpty);
    }

    private static string Index(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadUInt32LittleEndian(b).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Wireguard);
        if (MessageType is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.MessageType, MessageType);
        }

        if (SenderIndex is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.SenderIndex, SenderIndex);
        }

        if (ReceiverIndex is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ReceiverIndex, ReceiverIndex);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText MessageType = JsonEncodedText.Encode("message_type");
    public static readonly JsonEncodedText ReceiverIndex = JsonEncodedText.Encode("receiver_index");
    public static readonly JsonEncodedText SenderIndex = JsonEncodedText.Encode("sender_index");
    public static readonly JsonEncodedText Wireguard = JsonEncodedText.Encode("wireguard");
}
