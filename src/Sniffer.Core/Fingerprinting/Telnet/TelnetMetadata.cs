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
        writer.WriteStartObject("telnet"u8);
        writer.WriteNumber("client_commands"u8, ClientCommands);
        writer.WriteNumber("server_commands"u8, ServerCommands);
        writer.WriteEndObject();
    }
}
