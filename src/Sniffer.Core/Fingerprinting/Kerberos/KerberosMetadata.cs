using System.Text;
using System.Text.Json;
using Sniffer.Fingerprinting.Snmp;

namespace Sniffer.Fingerprinting.Kerberos;

/// <summary>Kerberos message type, realm, client and service principal, error code (<c>sniffer.kerberos.*</c>).</summary>
public sealed class KerberosMetadata : ProtocolMetadata
{
    /// <summary>Longest realm or principal kept.</summary>
    public const int MaxNameLength = 256;
    /// <summary>Most name components joined into a principal.</summary>
    public const int MaxComponents = 8;

    public int MsgType { get; private set; }
    public bool SawReply { get; private set; }
    public string? Realm { get; private set; }
    public string? ClientName { get; private set; }
    public string? ServiceName { get; private set; }
    public int? ErrorCode { get; private set; }

    internal void Fill(ReadOnlySpan<byte> m)
    {
        int offset = 0;
        if (Ber.ReadHeader(m, ref offset, out _, out _) != BerStatus.Ok
            || Ber.ReadHeader(m, ref offset, out _, out int seqLength) != BerStatus.Ok)
        {
            return;
        }

        int type = KerberosFingerprinter.Header(m, m.Length, out int t) == BerStatus.Ok ? t : 0;
        if (type == 0)
        {
            return;
        }

        if (MsgType == 0 || type is not (10 or 12))
        {
            MsgType = type;
        }

        SawReply |= type is 11 or 13 or 30;
        var body = m.Slice(offset, Math.Min(seqLength, m.Length - offset));
        switch (type)
        {
            case 10 or 12:
                // KDC-REQ: req-body [4] KDC-REQ-BODY { kdc-options [0], cname [1], realm [2], sname [3], ... }
                if (Field(body, 4, out var reqBody) && UnwrapTag(reqBody, out var fields))
                {
                    ClientName ??= Principal(fields, 1);
                    Realm ??= Text(fields, 2);
                    ServiceName ??= Principal(fields, 3);
                }

                break;
            case 11 or 13:
                // KDC-REP: crealm [3], cname [4], ticket [5] (Ticket: realm [1], sname [2]).
                Realm ??= Text(body, 3);
                ClientName ??= Principal(body, 4);
                break;
            default:
                // KRB-ERROR: error-code [6], crealm [7], cname [8], realm [9], sname [10].
                if (Field(body, 6, out var code))
                {
                    int o = 0;
                    if (Ber.Expect(code, ref o, Ber.Integer, out _, out var value) == BerStatus.Ok)
                    {
                        long v = Ber.SmallInteger(value);
                        ErrorCode = v >= 0 ? (int)v : null;
                    }
                }

                Realm ??= Text(body, 9);
                ClientName ??= Principal(body, 8);
                ServiceName ??= Principal(body, 10);
                break;
        }
    }

    /// <summary>The contents of the context-tagged [n] element among the elements of <paramref name="sequence"/>.</summary>
    private static bool Field(ReadOnlySpan<byte> sequence, int n, out ReadOnlySpan<byte> value)
    {
        value = default;
        int offset = 0;
        for (int i = 0; i < 32 && offset < sequence.Length; i++)
        {
            if (Ber.ReadHeader(sequence, ref offset, out byte tag, out int length) != BerStatus.Ok || length > sequence.Length - offset)
            {
                return false;
            }

            if (tag == 0xA0 + n)
            {
                value = sequence.Slice(offset, length);
                return true;
            }

            offset += length;
        }

        return false;
    }

    /// <summary>The contents of a SEQUENCE (what a context tag wraps).</summary>
    private static bool UnwrapTag(ReadOnlySpan<byte> wrapped, out ReadOnlySpan<byte> contents)
    {
        int offset = 0;
        var status = Ber.Expect(wrapped, ref offset, Ber.Sequence, out _, out contents);
        return status == BerStatus.Ok;
    }

    private static string? Text(ReadOnlySpan<byte> sequence, int n)
    {
        if (!Field(sequence, n, out var value))
        {
            return null;
        }

        int offset = 0;
        return Ber.Expect(value, ref offset, 0x1B, out _, out var text) == BerStatus.Ok ? WireText.Decode(text, MaxNameLength) : null;
    }

    /// <summary>PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQUENCE OF GeneralString } → "a/b".</summary>
    private static string? Principal(ReadOnlySpan<byte> sequence, int n)
    {
        if (!Field(sequence, n, out var value) || !UnwrapTag(value, out var principal) || !Field(principal, 1, out var names)
            || !UnwrapTag(names, out var list))
        {
            return null;
        }

        var builder = new StringBuilder();
        int offset = 0;
        for (int i = 0; i < MaxComponents && offset < list.Length; i++)
        {
            if (Ber.Expect(list, ref offset, 0x1B, out int length, out var component) != BerStatus.Ok)
            {
                break;
            }

            if (builder.Length > 0)
            {
                builder.Append('/');
            }

            builder.Append(WireText.Decode(component, MaxNameLength));
            offset += length;
        }

        return builder.Length == 0 ? null : WireText.Truncate(builder.ToString(), MaxNameLength);
    }

    public static string MsgTypeName(int type) => type switch
    {
        10 => "as_req",
        11 => "as_rep",
        12 => "tgs_req",
        13 => "tgs_rep",
        30 => "krb_error",
        _ => "unknown",
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (MsgType == 0)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Kerberos);
        Output.JsonStringCache.WriteString(writer, JsonNames.MsgType, MsgTypeName(MsgType));
        if (Realm is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Realm, Realm);
        }

        if (ClientName is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Cname, ClientName);
        }

        if (ServiceName is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Sname, ServiceName);
        }

        if (ErrorCode is int code)
        {
            writer.WriteNumber(JsonNames.ErrorCode, code);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Cname = JsonEncodedText.Encode("cname");
    public static readonly JsonEncodedText ErrorCode = JsonEncodedText.Encode("error_code");
    public static readonly JsonEncodedText Kerberos = JsonEncodedText.Encode("kerberos");
    public static readonly JsonEncodedText MsgType = JsonEncodedText.Encode("msg_type");
    public static readonly JsonEncodedText Realm = JsonEncodedText.Encode("realm");
    public static readonly JsonEncodedText Sname = JsonEncodedText.Encode("sname");
}
