using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Mqtt;

/// <summary>
/// MQTT session start: <c>user.name</c> (ECS) and <c>sniffer.mqtt.*</c> (version, client_id, keep_alive,
/// clean_session, will_topic, connack_code).
/// </summary>
public sealed class MqttMetadata : ProtocolMetadata
{
    /// <summary>Longest client id / user / topic kept.</summary>
    public const int MaxValueLength = 256;

    public string? Version { get; private set; }
    public string? ClientId { get; private set; }
    public string? User { get; private set; }
    public string? WillTopic { get; private set; }
    public int KeepAlive { get; private set; }
    public bool CleanSession { get; private set; }
    public int? ConnackCode { get; private set; }

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Version is null && !client.IsEmpty && MqttFingerprinter.ProbeConnect(client, out int header).Status == ProbeStatus.Match)
        {
            ReadConnect(client[header..]);
        }

        if (ConnackCode is null && server.Length >= 4 && server[0] == 0x20 && server[1] >= 2)
        {
            ConnackCode = server[3];
        }

        return Version is not null && ConnackCode is not null;
    }

    private void ReadConnect(ReadOnlySpan<byte> v)
    {
        int pos = v[1] == 6 ? 8 : 6;
        int level = v[pos] & 0x7F;
        byte flags = v[pos + 1];
        Version = level switch
        {
            3 => "3.1",
            4 => "3.1.1",
            _ => "5.0",
        };
        CleanSession = (flags & 0x02) != 0;
        KeepAlive = BinaryPrimitives.ReadUInt16BigEndian(v[(pos + 2)..]);
        pos += 4;
        if (level == 5)
        {
            int pn = MqttFingerprinter.ReadVarint(v, pos, out int propLength);
            pos += pn + propLength;
        }

        ClientId = ReadString(v, ref pos);
        if ((flags & 0x04) != 0)
        {
            if (level == 5)
            {
                if (MqttFingerprinter.ReadVarint(v, pos, out int willProps) <= 0)
                {
                    return;
                }

                pos += MqttFingerprinter.ReadVarint(v, pos, out _) + willProps;
            }

            WillTopic = ReadString(v, ref pos);
            if (WillTopic is null || ReadString(v, ref pos) is null)
            {
                return;
            }
        }

        if ((flags & 0x80) != 0)
        {
            User = ReadString(v, ref pos);
        }
    }

    private static string? ReadString(ReadOnlySpan<byte> v, ref int pos)
    {
        if (pos < 0 || pos + 2 > v.Length)
        {
            pos = -1;
            return null;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(v[pos..]);
        if (pos + 2 + length > v.Length)
        {
            pos = -1;
            return null;
        }

        string text = WireText.Decode(v.Slice(pos + 2, length), MaxValueLength);
        pos += 2 + length;
        return text;
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (User is not null)
        {
            writer.WriteStartObject("user");
            writer.WriteString("name", User);
            writer.WriteEndObject();
        }
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("mqtt");
        if (Version is not null)
        {
            writer.WriteString("version", Version);
            writer.WriteBoolean("clean_session", CleanSession);
            writer.WriteNumber("keep_alive", KeepAlive);
        }

        if (ClientId is not null)
        {
            writer.WriteString("client_id", ClientId);
        }

        if (WillTopic is not null)
        {
            writer.WriteString("will_topic", WillTopic);
        }

        if (ConnackCode is int code)
        {
            writer.WriteNumber("connack_code", code);
        }

        writer.WriteEndObject();
    }
}
