using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Redis;

/// <summary>
/// Redis metadata: <c>sniffer.redis.command</c> (the first command, upper-cased); application "Redis" (or
/// "Valkey") and version from an INFO reply ("redis_version:7.0.15") or a RESP3 HELLO reply.
/// </summary>
public sealed class RedisMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>The <c>server</c> name of a HELLO reply when it is neither redis nor valkey.</summary>
    public const int MaxServerNameLength = 32;
    /// <summary>Server bytes searched for a version.</summary>
    public const int MaxVersionSearch = 4096;

    public string? Command { get; private set; }

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Command is null && RedisFingerprinter.ClientVerdict(client, true, out var command) >= SideVerdict.Weak)
        {
            Command = WireText.Decode(command, RedisFingerprinter.MaxCommandLength).ToUpperInvariant();
        }

        if (ApplicationVersion is null && !server.IsEmpty)
        {
            var window = server.Length > MaxVersionSearch ? server[..MaxVersionSearch] : server;
            int at = window.IndexOf("redis_version:"u8);
            if (at >= 0)
            {
                ApplicationName = window.IndexOf("valkey_version:"u8) >= 0 ? "Valkey" : "Redis";
                ApplicationVersion = BannerProduct.VersionAfter(window[(at + 14)..]);
            }
            else
            {
                // RESP3 HELLO: %7 $6 server $5 redis $7 version $6 7.2.4
                int s = window.IndexOf("$6\r\nserver\r\n"u8);
                int v = window.IndexOf("$7\r\nversion\r\n"u8);
                if (s >= 0 && v > s)
                {
                    int pos = s + 12;
                    var name = Bulk(window, ref pos);
                    pos = v + 13;
                    var version = Bulk(window, ref pos);
                    if (!name.IsEmpty && !version.IsEmpty)
                    {
                        ApplicationName = name.SequenceEqual("redis"u8) ? "Redis" : name.SequenceEqual("valkey"u8) ? "Valkey" : WireText.Decode(name, MaxServerNameLength);
                        ApplicationVersion = BannerProduct.VersionAfter(version);
                    }
                }
            }
        }

        return Command is not null && (ApplicationVersion is not null || server.Length > MaxVersionSearch);
    }

    private static ReadOnlySpan<byte> Bulk(ReadOnlySpan<byte> s, ref int pos)
    {
        long len = RedisFingerprinter.ReadHeader(s, ref pos, (byte)'$');
        return len > 0 && len <= 64 && pos + len <= s.Length ? s.Slice(pos, (int)len) : default;
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Redis);
        if (Command is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Command, Command);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Command = JsonEncodedText.Encode("command");
    public static readonly JsonEncodedText Redis = JsonEncodedText.Encode("redis");
}
