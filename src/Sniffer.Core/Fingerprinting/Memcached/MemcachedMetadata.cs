using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Memcached;

/// <summary>
/// memcached metadata: <c>sniffer.memcached.command</c> (first command; binary opcodes by name),
/// <c>sniffer.memcached.protocol</c> ("text" / "binary"); application "memcached" and its version from a VERSION
/// reply (text "VERSION 1.6.18" or binary opcode 0x0b).
/// </summary>
public sealed class MemcachedMetadata : ProtocolMetadata
{
    /// <summary>Longest command name kept.</summary>
    public const int MaxCommandLength = 32;

    public string? Command { get; private set; }
    public string? Protocol { get; private set; }

    internal bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Command is null && !client.IsEmpty)
        {
            if (client[0] == 0x80 && client.Length >= MemcachedFingerprinter.BinaryHeaderSize)
            {
                Protocol = "binary";
                Command = OpcodeName(client[1]);
            }
            else if (MemcachedFingerprinter.ClientVerdict(client, true, out var command) >= SideVerdict.Weak)
            {
                Protocol = "text";
                Command = WireText.Decode(command, MaxCommandLength);
            }
        }

        if (ApplicationVersion is null && !server.IsEmpty)
        {
            if (server[0] == 0x81 && server.Length > MemcachedFingerprinter.BinaryHeaderSize && server[1] == 0x0b)
            {
                var value = server[MemcachedFingerprinter.BinaryHeaderSize..];
                SetVersion(value[..Math.Min(value.Length, (int)Math.Min(32u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(server[8..])))]);
            }
            else
            {
                int pos = 0;
                for (int n = 0; n < 64 && TextLine.Next(server, ref pos, out var line); n++)
                {
                    if (line.StartsWith("VERSION "u8))
                    {
                        SetVersion(line[8..]);
                        break;
                    }

                    if (line.StartsWith("STAT version "u8))
                    {
                        SetVersion(line[13..]);
                        break;
                    }
                }
            }
        }

        return Command is not null && ApplicationVersion is not null;
    }

    private void SetVersion(ReadOnlySpan<byte> v)
    {
        var version = BannerProduct.VersionAfter(v);
        if (version is not null)
        {
            ApplicationName = "memcached";
            ApplicationVersion = version;
        }
    }

    private static string OpcodeName(byte op) => op switch
    {
        0x00 => "get",
        0x01 => "set",
        0x02 => "add",
        0x03 => "replace",
        0x04 => "delete",
        0x05 => "increment",
        0x06 => "decrement",
        0x07 => "quit",
        0x08 => "flush",
        0x09 => "getq",
        0x0a => "noop",
        0x0b => "version",
        0x0c => "getk",
        0x0d => "getkq",
        0x0e => "append",
        0x0f => "prepend",
        0x10 => "stat",
        0x1c => "touch",
        0x20 => "sasl_list_mechs",
        0x21 => "sasl_auth",
        0x22 => "sasl_step",
        _ => "other",
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Memcached);
        if (Command is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Command, Command);
        }

        if (Protocol is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Protocol, Protocol);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Command = JsonEncodedText.Encode("command");
    public static readonly JsonEncodedText Memcached = JsonEncodedText.Encode("memcached");
    public static readonly JsonEncodedText Protocol = JsonEncodedText.Encode("protocol");
}
