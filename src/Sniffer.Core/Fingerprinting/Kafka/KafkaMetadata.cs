using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Kafka;

/// <summary>First Kafka request header: <c>sniffer.kafka.*</c> (api_key, api_name, api_version, client_id, client_software_name/version).</summary>
public sealed class KafkaMetadata : ProtocolMetadata
{
    /// <summary>Longest software name/version kept.</summary>
    public const int MaxValueLength = 128;

    public int? ApiKey { get; private set; }
    public int ApiVersion { get; private set; }
    public string? ClientId { get; private set; }
    public string? ClientSoftwareName { get; private set; }
    public string? ClientSoftwareVersion { get; private set; }

    internal bool Fill(ReadOnlySpan<byte> client)
    {
        if (ApiKey is not null)
        {
            return true;
        }

        if (client.Length < 14 || KafkaFingerprinter.ProbeRequest(client).Status != ProbeStatus.Match)
        {
            return false;
        }

        ApiKey = BinaryPrimitives.ReadInt16BigEndian(client[4..]);
        ApiVersion = BinaryPrimitives.ReadInt16BigEndian(client[6..]);
        int idLength = BinaryPrimitives.ReadInt16BigEndian(client[12..]);
        if (idLength > 0)
        {
            ClientId = WireText.Decode(client.Slice(14, idLength), KafkaFingerprinter.MaxClientIdLength);
        }

        // ApiVersions v3+ (flexible, header v2): tagged fields, then compact strings client_software_name/version.
        int size = BinaryPrimitives.ReadInt32BigEndian(client);
        var body = client[(14 + Math.Max(idLength, 0))..Math.Min(client.Length, 4 + size)];
        if (ApiKey == 18 && ApiVersion >= 3 && body.Length > 2 && body[0] == 0)
        {
            body = body[1..];
            ClientSoftwareName = CompactString(ref body);
            ClientSoftwareVersion = CompactString(ref body);
        }

        return true;
    }

    private static string? CompactString(ref ReadOnlySpan<byte> data)
    {
        // Unsigned varint length + 1; short strings only (one byte).
        if (data.IsEmpty || data[0] is 0 or >= 0x80 || data[0] - 1 > data.Length - 1)
        {
            data = default;
            return null;
        }

        var text = data.Slice(1, data[0] - 1);
        data = data[data[0]..];
        return WireText.Decode(text, MaxValueLength);
    }

    public static string? ApiName(int key) => key switch
    {
        0 => "Produce",
        1 => "Fetch",
        2 => "ListOffsets",
        3 => "Metadata",
        8 => "OffsetCommit",
        9 => "OffsetFetch",
        10 => "FindCoordinator",
        11 => "JoinGroup",
        12 => "Heartbeat",
        13 => "LeaveGroup",
        14 => "SyncGroup",
        15 => "DescribeGroups",
        16 => "ListGroups",
        17 => "SaslHandshake",
        18 => "ApiVersions",
        19 => "CreateTopics",
        20 => "DeleteTopics",
        22 => "InitProducerId",
        32 => "DescribeConfigs",
        36 => "SaslAuthenticate",
        60 => "DescribeCluster",
        _ => null,
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (ApiKey is not int key)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Kafka);
        writer.WriteNumber(JsonNames.ApiKey, key);
        if (ApiName(key) is string name)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ApiName, name);
        }

        writer.WriteNumber(JsonNames.ApiVersion, ApiVersion);
        if (ClientId is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientId, ClientId);
        }

        if (ClientSoftwareName is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientSoftwareName, ClientSoftwareName);
        }

        if (ClientSoftwareVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientSoftwareVersion, ClientSoftwareVersion);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ApiKey = JsonEncodedText.Encode("api_key");
    public static readonly JsonEncodedText ApiName = JsonEncodedText.Encode("api_name");
    public static readonly JsonEncodedText ApiVersion = JsonEncodedText.Encode("api_version");
    public static readonly JsonEncodedText ClientId = JsonEncodedText.Encode("client_id");
    public static readonly JsonEncodedText ClientSoftwareName = JsonEncodedText.Encode("client_software_name");
    public static readonly JsonEncodedText ClientSoftwareVersion = JsonEncodedText.Encode("client_software_version");
    public static readonly JsonEncodedText Kafka = JsonEncodedText.Encode("kafka");
}
