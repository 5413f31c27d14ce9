using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Amqp;

/// <summary>
/// AMQP connection start: <c>sniffer.amqp.*</c> (version, product, product_version, platform, mechanisms,
/// class_id/method_id of a mid-stream first frame). The product in Connection.Start's server-properties names
/// the broker (e.g. RabbitMQ 3.10.8).
/// </summary>
public sealed class AmqpMetadata : ProtocolMetadata
{
    /// <summary>Longest property value kept.</summary>
    public const int MaxValueLength = 128;
    /// <summary>Most table entries walked.</summary>
    public const int MaxTableEntries = 64;

    public string? Version { get; private set; }
    public string? Product { get; private set; }
    public string? ProductVersion { get; private set; }
    public string? Platform { get; private set; }
    public string? Mechanisms { get; private set; }
    public int? ClassId { get; private set; }
    public int? MethodId { get; private set; }
    private bool _serverSeen;

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Version is null && client.Length >= 8 && client.StartsWith("AMQP"u8))
        {
            Version = AmqpFingerprinter.VersionName(client[4..8]);
        }

        if (ClassId is null && client.Length >= 11 && client[0] == 1)
        {
            ClassId = BinaryPrimitives.ReadUInt16BigEndian(client[7..]);
            MethodId = BinaryPrimitives.ReadUInt16BigEndian(client[9..]);
        }

        if (!_serverSeen && AmqpFingerprinter.ProbeSide(server.IsEmpty ? [0] : server, fromServer: true).Evidence == "amqp.connection_start")
        {
            _serverSeen = true;
            ReadStart(server);
        }

        return _serverSeen || ClassId is not null;
    }

    private void ReadStart(ReadOnlySpan<byte> frame)
    {
        Version ??= "0-9-1";
        int size = (int)BinaryPrimitives.ReadUInt32BigEndian(frame[3..]);
        var p = frame[(7 + 6)..(7 + size)];
        if (p.Length < 4)
        {
            return;
        }

        uint tableLength = BinaryPrimitives.ReadUInt32BigEndian(p);
        if (tableLength > p.Length - 4)
        {
            return;
        }

        var table = p.Slice(4, (int)tableLength);
        var after = p[(4 + (int)tableLength)..];
        if (after.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(after) is uint mechLength && mechLength <= after.Length - 4)
        {
            Mechanisms = WireText.Decode(after.Slice(4, (int)mechLength), MaxValueLength);
        }

        for (int i = 0; i < MaxTableEntries && !table.IsEmpty; i++)
        {
            int nameLength = table[0];
            if (table.Length < 1 + nameLength + 1)
            {
                return;
            }

            var name = table.Slice(1, nameLength);
            byte type = table[1 + nameLength];
            table = table[(2 + nameLength)..];
            int valueSize = ValueSize(type, table);
            if (valueSize < 0 || valueSize > table.Length)
            {
                return;
            }

            if (type == (byte)'S')
            {
                var text = table[4..valueSize];
                if (name.SequenceEqual("product"u8))
                {
                    Product = WireText.Decode(text, MaxValueLength);
                }
                else if (name.SequenceEqual("version"u8))
                {
                    ProductVersion = WireText.Decode(text, MaxValueLength);
                }
                else if (name.SequenceEqual("platform"u8))
                {
                    Platform = WireText.Decode(text, MaxValueLength);
                }
            }

            table = table[valueSize..];
        }

        if (Product is not null)
        {
            ApplicationName = Product;
            ApplicationVersion = ProductVersion;
        }
    }

    /// <summary>Field value sizes of the 0-9-1 table types as RabbitMQ encodes them.</summary>
    private static int ValueSize(byte type, ReadOnlySpan<byte> v) => type switch
    {
        (byte)'t' or (byte)'b' or (byte)'B' => 1,
        (byte)'s' or (byte)'u' => 2,
        (byte)'I' or (byte)'i' or (byte)'f' => 4,
        (byte)'l' or (byte)'L' or (byte)'d' or (byte)'T' => 8,
        (byte)'D' => 5,
        (byte)'V' => 0,
        (byte)'S' or (byte)'F' or (byte)'A' or (byte)'x' => v.Length < 4 ? -1 : (int)Math.Min(int.MaxValue, 4L + BinaryPrimitives.ReadUInt32BigEndian(v)),
        _ => -1,
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Amqp);
        if (Version is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Version, Version);
        }

        if (Product is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Product, Product);
        }

        if (ProductVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ProductVersion, ProductVersion);
        }

        if (Platform is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Platform, Platform);
        }

        if (Mechanisms is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Mechanisms, Mechanisms);
        }

        if (ClassId is int classId)
        {
            writer.WriteNumber(JsonNames.ClassId, classId);
            writer.WriteNumber(JsonNames.MethodId, MethodId ?? 0);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Amqp = JsonEncodedText.Encode("amqp");
    public static readonly JsonEncodedText ClassId = JsonEncodedText.Encode("class_id");
    public static readonly JsonEncodedText Mechanisms = JsonEncodedText.Encode("mechanisms");
    public static readonly JsonEncodedText MethodId = JsonEncodedText.Encode("method_id");
    public static readonly JsonEncodedText Platform = JsonEncodedText.Encode("platform");
    public static readonly JsonEncodedText Product = JsonEncodedText.Encode("product");
    public static readonly JsonEncodedText ProductVersion = JsonEncodedText.Encode("product_version");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
}
