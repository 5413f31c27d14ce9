using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Smb;

/// <summary>
/// SMB session start: <c>sniffer.smb.*</c> (version "1"/"2"/"3", dialect "NT LM 0.12"/"2.0.2".."3.1.1",
/// command of the first message, dialects offered by the client).
/// </summary>
public sealed class SmbMetadata : ProtocolMetadata
{
    /// <summary>Longest dialect string of an SMB1 negotiate kept (<c>client_dialects</c>).</summary>
    public const int MaxDialectLength = 64;
    /// <summary>Most dialects listed from a negotiate request.</summary>
    public const int MaxDialects = 16;

    public string? Version { get; private set; }
    public string? Dialect { get; private set; }
    public string? Command { get; private set; }
    public List<string>? OfferedDialects { get; private set; }
    private bool _serverSeen;

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Command is null)
        {
            var first = client.IsEmpty ? server : client;
            if (first.Length >= 4 + 32 && SmbFingerprinter.ProbeMessage(first, client.IsEmpty).Status == ProbeStatus.Match)
            {
                ReadFirst(first);
            }
        }

        if (!_serverSeen && !client.IsEmpty && server.Length >= 4 + 32
            && SmbFingerprinter.ProbeMessage(server, fromServer: true).Status == ProbeStatus.Match)
        {
            _serverSeen = true;
            ReadResponse(server);
        }

        return Command is not null && (_serverSeen || client.IsEmpty);
    }

    private void ReadFirst(ReadOnlySpan<byte> m)
    {
        int length = m[1] << 16 | m[2] << 8 | m[3];
        var msg = m[4..Math.Min(m.Length, 4 + length)];
        switch (msg[0])
        {
            case 0xFF:
                Version = "1";
                Command = Smb1Command(msg[4]);
                if (msg[4] == 0x72 && (msg[9] & 0x80) == 0 && msg.Length > 35)
                {
                    // Dialect strings: 0x02 "name\0" ...
                    var bytes = msg[35..];
                    OfferedDialects = [];
                    while (bytes.Length > 1 && bytes[0] == 0x02 && OfferedDialects.Count < MaxDialects)
                    {
                        int nul = bytes[1..].IndexOf((byte)0);
                        if (nul < 0)
                        {
                            break;
                        }

                        OfferedDialects.Add(WireText.Decode(bytes.Slice(1, nul), MaxDialectLength));
                        bytes = bytes[(nul + 2)..];
                    }
                }

                break;
            case 0xFE:
                Version = "2";
                int command = BinaryPrimitives.ReadUInt16LittleEndian(msg[12..]);
                Command = Smb2Command(command);
                if (command == 0 && (msg[16] & 1) == 0 && msg.Length >= 64 + 36)
                {
                    int count = BinaryPrimitives.ReadUInt16LittleEndian(msg[66..]);
                    OfferedDialects = [];
                    for (int i = 0; i < count && i < MaxDialects && 64 + 36 + i * 2 + 2 <= msg.Length; i++)
                    {
                        OfferedDialects.Add(DialectName(BinaryPrimitives.ReadUInt16LittleEndian(msg[(100 + i * 2)..])));
                    }
                }
                else if (command == 0 && (msg[16] & 1) != 0 && msg.Length >= 64 + 6)
                {
                    SetDialect(BinaryPrimitives.ReadUInt16LittleEndian(msg[68..]));
                }

                break;
            case 0xFD:
                Version = "3";
                Command = "transform";
                break;
            default:
                Version = "3";
                Command = "compression_transform";
                break;
        }
    }

    private void ReadResponse(ReadOnlySpan<byte> m)
    {
        int length = m[1] << 16 | m[2] << 8 | m[3];
        var msg = m[4..Math.Min(m.Length, 4 + length)];
        if (msg[0] == 0xFE && msg.Length >= 64 + 6 && BinaryPrimitives.ReadUInt16LittleEndian(msg[12..]) == 0)
        {
            SetDialect(BinaryPrimitives.ReadUInt16LittleEndian(msg[68..]));
        }
        else if (msg[0] == 0xFF && msg[4] == 0x72 && msg.Length >= 35)
        {
            // Negotiate response: DialectIndex into the client's list.
            int index = BinaryPrimitives.ReadUInt16LittleEndian(msg[33..]);
            if (OfferedDialects is not null && index < OfferedDialects.Count)
            {
                Dialect = OfferedDialects[index];
            }
        }
        else if (msg[0] == 0xFD && Version == "2")
        {
            Version = "3";
        }
    }

    private void SetDialect(int revision)
    {
        Dialect = DialectName(revision);
        Version = revision >= 0x0300 && revision != 0x02FF ? "3" : "2";
    }

    public static string DialectName(int revision) => revision switch
    {
        0x0202 => "2.0.2",
        0x0210 => "2.1",
        0x0222 => "2.2.2",
        0x0224 => "2.2.4",
        0x02FF => "2.???",
        0x0300 => "3.0",
        0x0302 => "3.0.2",
        0x0310 => "3.1",
        0x0311 => "3.1.1",
        _ => "0x" + revision.ToString("x4", CultureInfo.InvariantCulture),
    };

    private static string Smb1Command(byte c) => c switch
    {
        0x72 => "negotiate",
        0x73 => "session_setup_andx",
        0x75 => "tree_connect_andx",
        0xA2 => "nt_create_andx",
        0x25 => "transaction",
        0x32 => "transaction2",
        0x2E => "read_andx",
        0x2F => "write_andx",
        0x04 => "close",
        0x71 => "tree_disconnect",
        0x74 => "logoff_andx",
        _ => "0x" + c.ToString("x2", CultureInfo.InvariantCulture),
    };

    private static string Smb2Command(int c) => c switch
    {
        0 => "negotiate",
        1 => "session_setup",
        2 => "logoff",
        3 => "tree_connect",
        4 => "tree_disconnect",
        5 => "create",
        6 => "close",
        7 => "flush",
        8 => "read",
        9 => "write",
        10 => "lock",
        11 => "ioctl",
        12 => "cancel",
        13 => "echo",
        14 => "query_directory",
        15 => "change_notify",
        16 => "query_info",
        17 => "set_info",
        18 => "oplock_break",
        _ => "server_to_client_notification",
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Smb);
        if (Version is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Version, Version);
        }

        if (Dialect is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Dialect, Dialect);
        }

        if (Command is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Command, Command);
        }

        if (OfferedDialects is { Count: > 0 })
        {
            writer.WriteStartArray(JsonNames.ClientDialects);
            foreach (var d in OfferedDialects)
            {
                writer.WriteStringValue(d);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ClientDialects = JsonEncodedText.Encode("client_dialects");
    public static readonly JsonEncodedText Command = JsonEncodedText.Encode("command");
    public static readonly JsonEncodedText Dialect = JsonEncodedText.Encode("dialect");
    public static readonly JsonEncodedText Smb = JsonEncodedText.Encode("smb");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
}
