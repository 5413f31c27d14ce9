using System.Buffers.Binary;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Stun;

/// <summary>STUN/TURN message fields (ECS has none: <c>sniffer.stun.*</c>).</summary>
public sealed class StunMetadata : ProtocolMetadata
{
    /// <summary>Longest SOFTWARE value kept (RFC 8489: fewer than 128 characters).</summary>
    public const int MaxSoftwareLength = 128;
    /// <summary>Longest USERNAME/REALM value kept (RFC 8489: fewer than 509/128 bytes).</summary>
    public const int MaxUsernameLength = 256;
    /// <summary>Longest product name or version taken from SOFTWARE.</summary>
    public const int MaxProductLength = 64;

    public string? MessageType { get; private set; }
    public string? Software { get; private set; }
    public string? Username { get; private set; }
    public string? Realm { get; private set; }

    internal void Absorb(ReadOnlySpan<byte> message)
    {
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(message);
        MessageType ??= TypeName(type);
        if (Software is null)
        {
            var software = StunParser.FindAttribute(message, StunParser.AttrSoftware);
            if (!software.IsEmpty)
            {
                Software = WireText.Decode(software.TrimEnd((byte)0), MaxSoftwareLength);
                SetProduct(software);
            }
        }

        if (Username is null)
        {
            var user = StunParser.FindAttribute(message, StunParser.AttrUsername);
            if (!user.IsEmpty)
            {
                Username = WireText.Decode(user, MaxUsernameLength);
            }
        }

        if (Realm is null)
        {
            var realm = StunParser.FindAttribute(message, StunParser.AttrRealm);
            if (!realm.IsEmpty)
            {
                Realm = WireText.Decode(realm, MaxUsernameLength);
            }
        }
    }

    /// <summary>"Coturn-4.5.0.5 'dan Eider'", "Vovida.org 0.98-CPC", "pion/1.2": product and version.</summary>
    private void SetProduct(ReadOnlySpan<byte> software)
    {
        int space = software.IndexOf((byte)' ');
        var first = space < 0 ? software : software[..space];
        int sep = first.IndexOfAny((byte)'-', (byte)'/');
        ReadOnlySpan<byte> name, version;
        if (sep > 0 && sep + 1 < first.Length && char.IsAsciiDigit((char)first[sep + 1]))
        {
            name = first[..sep];
            version = first[(sep + 1)..];
        }
        else if (space > 0 && space + 1 < software.Length && char.IsAsciiDigit((char)software[space + 1]))
        {
            name = first;
            var tail = software[(space + 1)..];
            int end = tail.IndexOf((byte)' ');
            version = end < 0 ? tail : tail[..end];
        }
        else
        {
            return;
        }

        if (name.IsEmpty || !char.IsAsciiLetter((char)name[0]))
        {
            return;
        }

        ApplicationName = WireText.Decode(name, MaxProductLength);
        ApplicationVersion = WireText.Decode(version, MaxProductLength);
    }

    public static string TypeName(ushort type)
    {
        int method = StunParser.Method(type);
        int cls = StunParser.Class(type);
        return (method, cls) switch
        {
            (0x001, 0) => "binding_request",
            (0x001, 1) => "binding_indication",
            (0x001, 2) => "binding_success_response",
            (0x001, 3) => "binding_error_response",
            (0x002, 0) => "shared_secret_request",
            (0x002, 2) => "shared_secret_success_response",
            (0x002, 3) => "shared_secret_error_response",
            (0x003, 0) => "allocate_request",
            (0x003, 2) => "allocate_success_response",
            (0x003, 3) => "allocate_error_response",
            (0x004, 0) => "refresh_request",
            (0x004, 2) => "refresh_success_response",
            (0x004, 3) => "refresh_error_response",
            (0x006, 1) => "send_indication",
            (0x007, 1) => "data_indication",
            (0x008, 0) => "create_permission_request",
            (0x008, 2) => "create_permission_success_response",
            (0x008, 3) => "create_permission_error_response",
            (0x009, 0) => "channel_bind_request",
            (0x009, 2) => "channel_bind_success_response",
            (0x009, 3) => "channel_bind_error_response",
            (0x00A, 0) => "connect_request",
            (0x00A, 2) => "connect_success_response",
            (0x00A, 3) => "connect_error_response",
            (0x00B, 0) => "connection_bind_request",
            (0x00B, 2) => "connection_bind_success_response",
            (0x00B, 3) => "connection_bind_error_response",
            (0x00C, 1) => "connection_attempt_indication",
            _ => "other",
        };
    }

    /// <summary>WebRTC: ICE connectivity checks, then DTLS-SRTP on the same 5-tuple.</summary>
    public override bool MultiplexesDtls => true;

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (MessageType is null)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Stun);
        Output.JsonStringCache.WriteString(writer, JsonNames.MessageType, MessageType);
        if (Software is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Software, Software);
        }

        if (Username is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Username, Username);
        }

        if (Realm is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Realm, Realm);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText MessageType = JsonEncodedText.Encode("message_type");
    public static readonly JsonEncodedText Realm = JsonEncodedText.Encode("realm");
    public static readonly JsonEncodedText Software = JsonEncodedText.Encode("software");
    public static readonly JsonEncodedText Stun = JsonEncodedText.Encode("stun");
    public static readonly JsonEncodedText Username = JsonEncodedText.Encode("username");
}
