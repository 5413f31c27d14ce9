using System.Text.Json;

namespace Sniffer.Fingerprinting.Snmp;

/// <summary>SNMP version, community and PDU type (ECS has no SNMP fields: all under <c>sniffer.snmp</c>).</summary>
public sealed class SnmpMetadata : ProtocolMetadata
{
    /// <summary>Longest community string written.</summary>
    public const int MaxCommunityLength = 64;

    public string? Version { get; private set; }
    public string? Community { get; private set; }
    public string? PduType { get; private set; }

    internal void Fill(in SnmpMessage message)
    {
        Version = SnmpParser.VersionName(message.Version);
        if (message.Version != 3)
        {
            Community = WireText.Decode(message.Community, MaxCommunityLength);
        }

        // An encrypted v3 scoped PDU hides its type.
        PduType = message.PduTag == 0 ? "encrypted" : SnmpParser.PduTypeName(message.PduTag);
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Snmp);
        if (Version is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Version, Version);
        }

        if (Community is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Community, Community);
        }

        if (PduType is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.PduType, PduType);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Community = JsonEncodedText.Encode("community");
    public static readonly JsonEncodedText PduType = JsonEncodedText.Encode("pdu_type");
    public static readonly JsonEncodedText Snmp = JsonEncodedText.Encode("snmp");
    public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
}
