using System.Text.Json;

namespace Sniffer.Fingerprinting.Snmp;

/// <summary>
/// SNMP version, community and PDU type; for v3 the security level and, from the User-based Security Model, the
/// user name and the authoritative engine id (ECS has no SNMP fields: all under <c>sniffer.snmp</c>).
/// </summary>
public sealed class SnmpMetadata : ProtocolMetadata
{
    /// <summary>Longest community string written.</summary>
    public const int MaxCommunityLength = 64;
    /// <summary>
    /// Later datagrams of a v3 flow read for the user name: a manager's first request is engine discovery (RFC 3414
    /// §4), with an empty user; the agent's report names the engine and the next request carries the user.
    /// </summary>
    public const int MaxLaterDatagrams = 8;

    private int _laterDatagrams;

    public string? Version { get; private set; }
    public string? Community { get; private set; }
    public string? PduType { get; private set; }
    /// <summary>v3: <c>noAuthNoPriv</c>, <c>authNoPriv</c> or <c>authPriv</c> (RFC 3411), of the message that named the user.</summary>
    public string? SecurityLevel { get; private set; }
    /// <summary>v3 USM msgUserName (at most <see cref="SnmpParser.MaxUserNameLength"/> bytes on the wire).</summary>
    public string? User { get; private set; }
    /// <summary>v3 USM msgAuthoritativeEngineID, hex (at most <see cref="SnmpParser.MaxEngineIdLength"/> bytes).</summary>
    public string? EngineId { get; private set; }

    public override bool WantsLaterDatagrams => Version == "3" && (User is null || EngineId is null) && _laterDatagrams < MaxLaterDatagrams;

    public override void OnLaterDatagram(ReadOnlySpan<byte> datagram, bool fromClient)
    {
        _laterDatagrams++;
        if (SnmpParser.Parse(datagram, out var message) == BerStatus.Ok && message.Version == 3)
        {
            FillUsm(message);
        }
    }

    internal void Fill(in SnmpMessage message)
    {
        if (PduType is null)
        {
            Version = SnmpParser.VersionName(message.Version);
            if (message.Version != 3)
            {
                Community = WireText.Decode(message.Community, MaxCommunityLength);
            }

            // An encrypted v3 scoped PDU hides its type.
            PduType = message.PduTag == 0 ? "encrypted" : SnmpParser.PduTypeName(message.PduTag);
        }

        if (message.Version == 3)
        {
            FillUsm(message);
        }
    }

    private void FillUsm(in SnmpMessage message)
    {
        if (User is null)
        {
            SecurityLevel = SnmpParser.SecurityLevelName(message.V3Flags);
        }

        if (!message.HasUsm)
        {
            return;
        }

        if (User is null && !message.UserName.IsEmpty)
        {
            User = WireText.Decode(message.UserName, SnmpParser.MaxUserNameLength);
            SecurityLevel = SnmpParser.SecurityLevelName(message.V3Flags);
        }

        if (EngineId is null && !message.EngineId.IsEmpty)
        {
            EngineId = Convert.ToHexStringLower(message.EngineId);
        }
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

        if (SecurityLevel is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.SecurityLevel, SecurityLevel);
        }

        if (User is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.User, User);
        }

        if (EngineId is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.EngineId, EngineId);
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
    public static readonly JsonEncodedText SecurityLevel = JsonEncodedText.Encode("security_level");
    public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
    public static readonly JsonEncodedText EngineId = JsonEncodedText.Encode("engine_id");
}
