using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.MongoDb;

/// <summary>
/// First MongoDB request: <c>sniffer.mongodb.*</c> (op_code, command, database, driver_name, driver_version,
/// client_application). ECS has no database fields.
/// </summary>
public sealed class MongoDbMetadata : ProtocolMetadata
{
    /// <summary>Longest value kept.</summary>
    public const int MaxValueLength = 256;

    public int? OpCode { get; private set; }
    public string? Command { get; private set; }
    public string? Database { get; private set; }
    public string? DriverName { get; private set; }
    public string? DriverVersion { get; private set; }
    public string? ClientApplication { get; private set; }
    private bool _done;

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (_done)
        {
            return true;
        }

        var message = client.IsEmpty ? server : client;
        if (message.Length < 16)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(message);
        if (length < 21 || length > message.Length)
        {
            // Wait for the whole first message (bounded by the inspection window).
            return false;
        }

        _done = true;
        OpCode = BinaryPrimitives.ReadInt32LittleEndian(message[12..]);
        var body = message[16..length];
        ReadOnlySpan<byte> doc = default;
        if (OpCode == MongoDbFingerprinter.OpMsg && body.Length > 5 && body[4] == 0)
        {
            doc = body[5..];
        }
        else if (OpCode == MongoDbFingerprinter.OpQuery && body.Length > 4)
        {
            var name = body[4..];
            int nul = name.IndexOf((byte)0);
            if (nul > 0)
            {
                int dot = name[..nul].IndexOf((byte)'.');
                if (dot > 0)
                {
                    Database = WireText.Decode(name[..dot], MaxValueLength);
                }

                int start = 4 + nul + 1 + 8;
                doc = start < body.Length ? body[start..] : default;
            }
        }
        else if (OpCode == MongoDbFingerprinter.OpReply && body.Length > 20)
        {
            doc = body[20..];
        }

        if (doc.Length < 5 || BinaryPrimitives.ReadInt32LittleEndian(doc) is int docLength && (docLength < 5 || docLength > doc.Length))
        {
            return true;
        }

        if (OpCode != MongoDbFingerprinter.OpReply)
        {
            var key = Bson.FirstKey(doc);
            if (!key.IsEmpty)
            {
                Command = WireText.Decode(key, MaxValueLength);
            }
        }

        if (Bson.TryFind(doc, "$db"u8, out byte t, out var v) && !Bson.StringValue(t, v).IsEmpty)
        {
            Database ??= WireText.Decode(Bson.StringValue(t, v), MaxValueLength);
        }

        if (Bson.TryFind(doc, "client"u8, out t, out var clientDoc) && t == 3)
        {
            if (Bson.TryFind(clientDoc, "driver"u8, out t, out var driver) && t == 3)
            {
                if (Bson.TryFind(driver, "name"u8, out t, out v) && !Bson.StringValue(t, v).IsEmpty)
                {
                    DriverName = WireText.Decode(Bson.StringValue(t, v), MaxValueLength);
                }

                if (Bson.TryFind(driver, "version"u8, out t, out v) && !Bson.StringValue(t, v).IsEmpty)
                {
                    DriverVersion = WireText.Decode(Bson.StringValue(t, v), MaxValueLength);
                }
            }

            if (Bson.TryFind(clientDoc, "application"u8, out t, out var app) && t == 3
                && Bson.TryFind(app, "name"u8, out t, out v) && !Bson.StringValue(t, v).IsEmpty)
            {
                ClientApplication = WireText.Decode(Bson.StringValue(t, v), MaxValueLength);
            }
        }

        return true;
    }

    public static string OpCodeName(int opCode) => opCode switch
    {
        MongoDbFingerprinter.OpReply => "OP_REPLY",
        MongoDbFingerprinter.OpQuery => "OP_QUERY",
        MongoDbFingerprinter.OpCompressed => "OP_COMPRESSED",
        MongoDbFingerprinter.OpMsg => "OP_MSG",
        _ => "unknown",
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (OpCode is not int op)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Mongodb);
        writer.WriteNumber(JsonNames.OpCode, op);
        Output.JsonStringCache.WriteString(writer, JsonNames.OpName, OpCodeName(op));
        if (Command is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Command, Command);
        }

        if (Database is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Database, Database);
        }

        if (DriverName is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.DriverName, DriverName);
        }

        if (DriverVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.DriverVersion, DriverVersion);
        }

        if (ClientApplication is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ClientApplication, ClientApplication);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ClientApplication = JsonEncodedText.Encode("client_application");
    public static readonly JsonEncodedText Command = JsonEncodedText.Encode("command");
    public static readonly JsonEncodedText Database = JsonEncodedText.Encode("database");
    public static readonly JsonEncodedText DriverName = JsonEncodedText.Encode("driver_name");
    public static readonly JsonEncodedText DriverVersion = JsonEncodedText.Encode("driver_version");
    public static readonly JsonEncodedText Mongodb = JsonEncodedText.Encode("mongodb");
    public static readonly JsonEncodedText OpCode = JsonEncodedText.Encode("op_code");
    public static readonly JsonEncodedText OpName = JsonEncodedText.Encode("op_name");
}
