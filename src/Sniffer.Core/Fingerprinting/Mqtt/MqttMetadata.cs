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
            writer.WriteStartObject(JsonNames.User);
            Output.JsonStringCache.WriteString(writer, JsonNames.Name, User);
            writer.WriteEndObject();
        }
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Mqtt);
        if (Version is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Version, Version);
            writer.WriteBoolean(JsonNames.CleanSession, CleanSession);
            writer.WriteNumber(JsonNames.KeepAlive, KeepAlive);
        }

        if (ClientId is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientId, ClientId);
        }

        if (WillTopic is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.WillTopic, WillTopic);
        }

        if (ConnackCode is int code)
        {
            writer.WriteNumber(JsonNames.ConnackCode, code);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText CleanSession = JsonEncodedText.Encode("clean_session");
    public static readonly JsonEncodedText ClientId = JsonEncodedText.Encode("client_id");
    public static readonly JsonEncodedText ConnackCode = JsonEncodedText.Encode("connack_code");
    public static readonly JsonEncodedText KeepAlive = JsonEncodedText.Encode("keep_alive");
    public static readonly JsonEncodedText Mqtt = JsonEncodedText.Encode("mqtt");
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    public static readonly JsonEncodedText WillTopic = JsonEncodedText.Encode("will_topic");
}
