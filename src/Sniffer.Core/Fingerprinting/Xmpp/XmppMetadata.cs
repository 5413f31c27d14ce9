using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Xmpp;

/// <summary>
/// XMPP metadata: <c>sniffer.xmpp.to</c> (the domain the client asks for), <c>sniffer.xmpp.from</c> (the server's
/// domain), <c>sniffer.xmpp.namespace</c> (jabber:client / jabber:server), <c>sniffer.xmpp.starttls</c>.
/// </summary>
public sealed class XmppMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>Longest attribute value kept.</summary>
    public const int MaxValueLength = 256;

    public string? To { get; private set; }
    public string? From { get; private set; }
    public string? Namespace { get; private set; }
    public bool StartTls { get; private set; }

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (To is null && XmppFingerprinter.StreamTag(client, true, out var ctag) == SideVerdict.Strong)
        {
            To = Attribute(ctag, "to"u8) ?? "";
            Namespace ??= Attribute(ctag, "xmlns"u8);
        }

        if (From is null && XmppFingerprinter.StreamTag(server, true, out var stag) == SideVerdict.Strong)
        {
            From = Attribute(stag, "from"u8) ?? "";
            Namespace ??= Attribute(stag, "xmlns"u8);
        }

        if (!StartTls && client.Length > 0)
        {
            var window = client.Length > XmppFingerprinter.MaxHeaderBytes * 2 ? client[..(XmppFingerprinter.MaxHeaderBytes * 2)] : client;
            StartTls = window.IndexOf("<starttls"u8) >= 0;
        }

        return StartTls || (To is not null && From is not null && Namespace is not null);
    }

    /// <summary>Value of attribute <paramref name="name"/> (' or " quoted) in an open tag, or null.</summary>
    internal static string? Attribute(ReadOnlySpan<byte> tag, ReadOnlySpan<byte> name)
    {
        int i = 0;
        while (i < tag.Length)
        {
            int at = tag[i..].IndexOf(name);
            if (at < 0)
            {
                return null;
            }

            at += i;
            int eq = at + name.Length;
            bool boundary = at > 0 && tag[at - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
            if (boundary && eq + 1 < tag.Length && tag[eq] == '=' && tag[eq + 1] is (byte)'\'' or (byte)'"')
            {
                byte quote = tag[eq + 1];
                int end = tag[(eq + 2)..].IndexOf(quote);
                return end < 0 ? null : WireText.Decode(tag.Slice(eq + 2, end), MaxValueLength);
            }

            i = at + 1;
        }

        return null;
    }

    /// <summary>TLS after STARTTLS: the first handshake record after the text exchange in each direction.</summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) =>
        StartTls ? InnerStart.TlsAfterText(client, server) : InnerStart.None;

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Xmpp);
        if (!string.IsNullOrEmpty(To))
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.To, To);
        }

        if (!string.IsNullOrEmpty(From))
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.From, From);
        }

        if (Namespace is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Namespace, Namespace);
        }

        if (StartTls)
        {
            writer.WriteBoolean(JsonNames.Starttls, true);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText From = JsonEncodedText.Encode("from");
    public static readonly JsonEncodedText Namespace = JsonEncodedText.Encode("namespace");
    public static readonly JsonEncodedText Starttls = JsonEncodedText.Encode("starttls");
    public static readonly JsonEncodedText To = JsonEncodedText.Encode("to");
    public static readonly JsonEncodedText Xmpp = JsonEncodedText.Encode("xmpp");
}
