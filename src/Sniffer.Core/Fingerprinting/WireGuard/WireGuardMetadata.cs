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
        writer.WriteStartObject("wireguard");
        if (MessageType is not null)
        {
            writer.WriteString("message_type", MessageType);
        }

        if (SenderIndex is not null)
        {
            writer.WriteString("sender_index", SenderIndex);
        }

        if (ReceiverIndex is not null)
        {
            writer.WriteString("receiver_index", ReceiverIndex);
        }

        writer.WriteEndObject();
    }
}
