using System.Text.Json;

namespace Sniffer.Fingerprinting.Ldap;

/// <summary>
/// First LDAP operation: <c>sniffer.ldap.*</c> (operation, message_id, bind_dn, auth ("simple"/"sasl"),
/// sasl_mechanism, base_dn, scope, result_code). The bind DN is also written as ECS <c>user.name</c>.
/// </summary>
public sealed class LdapMetadata : ProtocolMetadata
{
    /// <summary>SASL mechanism names are at most 20 characters (RFC 4422); kept up to this.</summary>
    public const int MaxMechanismLength = 64;
    /// <summary>Longest DN kept.</summary>
    public const int MaxDnLength = 512;

    public string? Operation { get; private set; }
    public long MessageId { get; private set; }
    public string? BindDn { get; private set; }
    public string? Auth { get; private set; }
    public string? SaslMechanism { get; private set; }
    public string? BaseDn { get; private set; }
    public int? Scope { get; private set; }
    public int? ResultCode { get; private set; }

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Operation is null && !client.IsEmpty && LdapFingerprinter.ProbeMessage(client, false, out byte op).Status == ProbeStatus.Match)
        {
            ReadRequest(client, op);
        }

        if (ResultCode is null && !server.IsEmpty && LdapFingerprinter.ProbeMessage(server, true, out byte rop).Status == ProbeStatus.Match)
        {
            Operation ??= OperationName(rop);
            ReadResult(server, rop);
        }

        return Operation is not null && (ResultCode is not null || client.IsEmpty);
    }

    /// <summary>Position and length of the protocolOp body in a validated message.</summary>
    private static (int Start, int Length) OpBody(ReadOnlySpan<byte> m, out long messageId)
    {
        int h = LdapFingerprinter.ReadHeader(m, 0, out _, out _);
        int ih = LdapFingerprinter.ReadHeader(m, h, out _, out int idLength);
        messageId = 0;
        for (int i = 0; i < idLength; i++)
        {
            messageId = (messageId << 8) | m[h + ih + i];
        }

        int opPos = h + ih + idLength;
        int oh = LdapFingerprinter.ReadHeader(m, opPos, out _, out int opLength);
        return (opPos + oh, opLength);
    }

    private void ReadRequest(ReadOnlySpan<byte> m, byte op)
    {
        Operation = OperationName(op);
        var (start, length) = OpBody(m, out long id);
        MessageId = id;
        var body = m.Slice(start, length);
        if (op == 0x60)
        {
            int h = LdapFingerprinter.ReadHeader(body, 3, out _, out int dnLength);
            if (h <= 0 || 3 + h + dnLength > body.Length)
            {
                return;
            }

            if (dnLength > 0)
            {
                BindDn = WireText.Decode(body.Slice(3 + h, dnLength), MaxDnLength);
            }

            int authPos = 3 + h + dnLength;
            if (authPos < body.Length)
            {
                Auth = body[authPos] switch
                {
                    0x80 => "simple",
                    0xA3 => "sasl",
                    _ => "other",
                };
                if (body[authPos] == 0xA3)
                {
                    int sh = LdapFingerprinter.ReadHeader(body, authPos, out _, out _);
                    byte tag = 0;
                    int mechLength = 0;
                    int mh = sh > 0 ? LdapFingerprinter.ReadHeader(body, authPos + sh, out tag, out mechLength) : -1;
                    if (mh > 0 && tag == 0x04 && authPos + sh + mh + mechLength <= body.Length)
                    {
                        SaslMechanism = WireText.Decode(body.Slice(authPos + sh + mh, mechLength), MaxMechanismLength);
                    }
                }
            }
        }
        else if (op == 0x63)
        {
            int h = LdapFingerprinter.ReadHeader(body, 0, out _, out int baseLength);
            BaseDn = WireText.Decode(body.Slice(h, baseLength), MaxDnLength);
            Scope = body[h + baseLength + 2];
        }
    }

    private void ReadResult(ReadOnlySpan<byte> m, byte op)
    {
        if (op is 0x61 or 0x65 or 0x67 or 0x69 or 0x6B or 0x6D or 0x6F or 0x78)
        {
            var (start, _) = OpBody(m, out _);
            if (start + 2 < m.Length)
            {
                ResultCode = m[start + 2];
            }
        }
        else
        {
            ResultCode = -1; // not an LDAPResult (e.g. a search entry): nothing to read
        }
    }

    public static string OperationName(byte op) => op switch
    {
        0x60 => "bind_request",
        0x61 => "bind_response",
        0x42 => "unbind_request",
        0x63 => "search_request",
        0x64 => "search_result_entry",
        0x65 => "search_result_done",
        0x73 => "search_result_reference",
        0x66 => "modify_request",
        0x67 => "modify_response",
        0x68 => "add_request",
        0x69 => "add_response",
        0x4A => "delete_request",
        0x6B => "delete_response",
        0x6C => "modify_dn_request",
        0x6D => "modify_dn_response",
        0x6E => "compare_request",
        0x6F => "compare_response",
        0x50 => "abandon_request",
        0x77 => "extended_request",
        0x78 => "extended_response",
        0x79 => "intermediate_response",
        _ => "unknown",
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (BindDn is not null)
        {
            writer.WriteStartObject(JsonNames.User);
            Output.JsonStringCache.WriteString(writer, JsonNames.Name, BindDn);
            writer.WriteEndObject();
        }
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Ldap);
        if (Operation is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Operation, Operation);
            writer.WriteNumber(JsonNames.MessageId, MessageId);
        }

        if (BindDn is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.BindDn, BindDn);
        }

        if (Auth is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Auth, Auth);
        }

        if (SaslMechanism is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.SaslMechanism, SaslMechanism);
        }

        if (BaseDn is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.BaseDn, BaseDn);
        }

        if (Scope is int scope)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Scope, scope switch { 0 => "base", 1 => "one", _ => "sub" });
        }

        if (ResultCode is >= 0)
        {
            writer.WriteNumber(JsonNames.ResultCode, ResultCode.Value);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Auth = JsonEncodedText.Encode("auth");
    public static readonly JsonEncodedText BaseDn = JsonEncodedText.Encode("base_dn");
    public static readonly JsonEncodedText BindDn = JsonEncodedText.Encode("bind_dn");
    public static readonly JsonEncodedText Ldap = JsonEncodedText.Encode("ldap");
    public static readonly JsonEncodedText MessageId = JsonEncodedText.Encode("message_id");
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText Operation = JsonEncodedText.Encode("operation");
    public static readonly JsonEncodedText ResultCode = JsonEncodedText.Encode("result_code");
    public static readonly JsonEncodedText SaslMechanism = JsonEncodedText.Encode("sasl_mechanism");
    public static readonly JsonEncodedText Scope = JsonEncodedText.Encode("scope");
    public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
}
