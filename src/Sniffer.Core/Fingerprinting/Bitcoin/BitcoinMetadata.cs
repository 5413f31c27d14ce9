using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Bitcoin;

/// <summary>
/// Bitcoin "version" message: <c>sniffer.bitcoin.*</c> (network, command, protocol_version, services,
/// user_agent, start_height). The BIP 14 user agent ("/Satoshi:25.0.0/") names the node software.
/// </summary>
public sealed class BitcoinMetadata : ProtocolMetadata
{
    /// <summary>The message header's command field is 12 bytes.</summary>
    public const int MaxCommandLength = 12;
    /// <summary>Longest user agent kept (Bitcoin Core's MAX_SUBVERSION_LENGTH).</summary>
    public const int MaxUserAgentLength = 256;

    public string? Network { get; private set; }
    public string? Command { get; private set; }
    public int? ProtocolVersion { get; private set; }
    public ulong Services { get; private set; }
    public string? UserAgent { get; private set; }
    public int? StartHeight { get; private set; }

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (ProtocolVersion is null)
        {
            // The first complete "version" of either side (the client's if it has one).
            if (!TryRead(client))
            {
                TryRead(server);
            }
        }

        return ProtocolVersion is not null;
    }

    private bool TryRead(ReadOnlySpan<byte> d)
    {
        if (d.IsEmpty || BitcoinFingerprinter.ProbeMessage(d, complete: false).Status != ProbeStatus.Match)
        {
            return false;
        }

        Network = BitcoinFingerprinter.NetworkName(d);
        var command = d[4..16];
        int nul = command.IndexOf((byte)0);
        Command = WireText.Decode(nul < 0 ? command : command[..nul], MaxCommandLength);
        if (Command != "version")
        {
            return false;
        }

        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(d[16..]);
        var p = d.Slice(BitcoinFingerprinter.HeaderLength, length);
        // version (4), services (8), timestamp (8), addr_recv (26), addr_from (26), nonce (8), user agent, height.
        ProtocolVersion = BinaryPrimitives.ReadInt32LittleEndian(p);
        Services = BinaryPrimitives.ReadUInt64LittleEndian(p[4..]);
        if (p.Length < 81)
        {
            return true;
        }

        int uaLength = p[80];
        if (uaLength >= 0xFD || 81 + uaLength > p.Length)
        {
            return true;
        }

        UserAgent = WireText.Decode(p.Slice(81, uaLength), MaxUserAgentLength);
        if (81 + uaLength + 4 <= p.Length)
        {
            StartHeight = BinaryPrimitives.ReadInt32LittleEndian(p[(81 + uaLength)..]);
        }

        SetApplication(UserAgent);
        return true;
    }

    /// <summary>BIP 14: "/Name:Version/Name:Version(comment)/"; the last component is the node software.</summary>
    private void SetApplication(string agent)
    {
        var parts = agent.Trim('/').Split('/');
        string last = parts[^1];
        int paren = last.IndexOf('(', StringComparison.Ordinal);
        if (paren >= 0)
        {
            last = last[..paren];
        }

        int colon = last.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return;
        }

        string name = last[..colon];
        ApplicationName = name == "Satoshi" ? "Bitcoin Core" : name;
        ApplicationVersion = colon + 1 < last.Length ? last[(colon + 1)..] : null;
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Bitcoin);
        if (Network is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Network, Network);
        }

        if (Command is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Command, Command);
        }

        if (ProtocolVersion is int version)
        {
            writer.WriteNumber(JsonNames.ProtocolVersion, version);
            writer.WriteNumber(JsonNames.Services, Services);
        }

        if (UserAgent is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.UserAgent, UserAgent);
        }

        if (StartHeight is int height)
        {
            writer.WriteNumber(JsonNames.StartHeight, height);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Bitcoin = JsonEncodedText.Encode("bitcoin");
    public static readonly JsonEncodedText Command = JsonEncodedText.Encode("command");
    public static readonly JsonEncodedText Network = JsonEncodedText.Encode("network");
    public static readonly JsonEncodedText ProtocolVersion = JsonEncodedText.Encode("protocol_version");
    public static readonly JsonEncodedText Services = JsonEncodedText.Encode("services");
    public static readonly JsonEncodedText StartHeight = JsonEncodedText.Encode("start_height");
    public static readonly JsonEncodedText UserAgent = JsonEncodedText.Encode("user_agent");
}
