using System.Text.Json;

namespace Sniffer.Fingerprinting.Telnet;

/// <summary>Telnet metadata: <c>sniffer.telnet.client_options</c> / <c>server_options</c> (negotiation commands counted).</summary>
public sealed class TelnetMetadata : ProtocolMetadata
{
    public int ClientCommands { get; internal set; }
    public int ServerCommands { get; internal set; }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Telnet);
        writer.WriteNumber(JsonNames.ClientCommands, ClientCommands);
        writer.WriteNumber(JsonNames.ServerCommands, ServerCommands);
        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ClientCommands = JsonEncodedText.Encode("client_commands");
    public static readonly JsonEncodedText ServerCommands = JsonEncodedText.Encode("server_commands");
    public static readonly JsonEncodedText Telnet = JsonEncodedText.Encode("telnet");
}
