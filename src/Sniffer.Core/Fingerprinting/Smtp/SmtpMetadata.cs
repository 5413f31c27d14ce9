using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Smtp;

/// <summary>
/// SMTP metadata: <c>email.from.address</c>, <c>email.to.address</c> (ECS) and <c>sniffer.smtp.banner</c>,
/// <c>.helo</c>, <c>.starttls</c>.
/// </summary>
public sealed class SmtpMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>Longest greeting line kept.</summary>
    public const int MaxBannerLength = 256;
    /// <summary>Longest EHLO/HELO argument and mail address kept.</summary>
    public const int MaxNameLength = 256;
    /// <summary>RCPT TO addresses kept.</summary>
    public const int MaxRecipients = 8;
    /// <summary>Client command lines looked at.</summary>
    public const int MaxClientLines = 64;

    private List<string>? _recipients;

    public string? Banner { get; private set; }
    public string? Helo { get; private set; }
    public string? MailFrom { get; private set; }
    public IReadOnlyList<string> RcptTo => _recipients ?? (IReadOnlyList<string>)[];
    public bool StartTls { get; private set; }

    private bool _dataSeen;
    private int _rcptSeen;

    /// <summary>Parses what both sides hold; true once the envelope (or STARTTLS) has been seen.</summary>
    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Banner is null && TextLine.First(server, out var greeting) == TextLine.LineState.Complete)
        {
            Banner = WireText.Decode(greeting, MaxBannerLength);
            int offset = 0;
            for (int n = 0; n < SmtpFingerprinter.MaxGreetingLines && TextLine.Next(server, ref offset, out var l); n++)
            {
                if (l.Length < 4 || !SmtpFingerprinter.IsReplyStart(l, "220"u8))
                {
                    break;
                }

                if (BannerProduct.TryFind(l[4..], MailText.SmtpProducts, out var name, out var version))
                {
                    ApplicationName = name;
                    ApplicationVersion = version;
                    break;
                }

                if (l[3] == ' ')
                {
                    break;
                }
            }
        }

        int pos = 0;
        int rcpt = 0;
        for (int n = 0; n < MaxClientLines && !_dataSeen && TextLine.Next(client, ref pos, out var line); n++)
        {
            if (Helo is null && SmtpFingerprinter.IsHelo(line))
            {
                Helo = WireText.Decode(TextLine.Trim(line[5..]), MaxNameLength);
            }
            else if (TextLine.StartsWithIgnoreCase(line, "mail from:"u8))
            {
                MailFrom ??= WireText.Decode(MailText.Address(line[10..]), MaxNameLength);
            }
            else if (TextLine.StartsWithIgnoreCase(line, "rcpt to:"u8))
            {
                if (rcpt++ == _rcptSeen && _rcptSeen < MaxRecipients)
                {
                    (_recipients ??= []).Add(WireText.Decode(MailText.Address(line[8..]), MaxNameLength));
                    _rcptSeen++;
                }
            }
            else if (TextLine.EqualsIgnoreCase(TextLine.Trim(line), "starttls"u8))
            {
                StartTls = true;
                return true;
            }
            else if (TextLine.EqualsIgnoreCase(TextLine.Trim(line), "data"u8) || TextLine.StartsWithIgnoreCase(line, "bdat "u8))
            {
                _dataSeen = true;
            }
        }

        return StartTls || (_dataSeen && Banner is not null);
    }

    /// <summary>TLS after STARTTLS: the first handshake record after the text exchange in each direction.</summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) =>
        StartTls ? InnerStart.TlsAfterText(client, server) : InnerStart.None;

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (MailFrom is null && _recipients is null)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Email);
        if (MailFrom is not null)
        {
            writer.WriteStartObject(JsonNames.From);
            writer.WriteStartArray(JsonNames.Address);
            writer.WriteStringValue(MailFrom);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        if (_recipients is not null)
        {
            writer.WriteStartObject(JsonNames.To);
            writer.WriteStartArray(JsonNames.Address);
            foreach (var r in _recipients)
            {
                writer.WriteStringValue(r);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Smtp);
        if (Banner is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Banner, Banner);
        }

        if (Helo is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Helo, Helo);
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
    public static readonly JsonEncodedText Address = JsonEncodedText.Encode("address");
    public static readonly JsonEncodedText Banner = JsonEncodedText.Encode("banner");
    public static readonly JsonEncodedText Email = JsonEncodedText.Encode("email");
    public static readonly JsonEncodedText From = JsonEncodedText.Encode("from");
    public static readonly JsonEncodedText Helo = JsonEncodedText.Encode("helo");
    public static readonly JsonEncodedText Smtp = JsonEncodedText.Encode("smtp");
    public static readonly JsonEncodedText Starttls = JsonEncodedText.Encode("starttls");
    public static readonly JsonEncodedText To = JsonEncodedText.Encode("to");
}
