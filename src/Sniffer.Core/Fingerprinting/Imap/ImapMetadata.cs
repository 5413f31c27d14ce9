using System.Text.Json;
using Sniffer.Fingerprinting.Smtp;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Imap;

/// <summary>IMAP metadata: <c>user.name</c> (ECS, from LOGIN), <c>sniffer.imap.banner</c>, <c>sniffer.imap.starttls</c>.</summary>
public sealed class ImapMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>Longest greeting line kept.</summary>
    public const int MaxBannerLength = 256;
    /// <summary>Longest user name kept.</summary>
    public const int MaxUserLength = 128;
    /// <summary>Client command lines looked at.</summary>
    public const int MaxClientLines = 16;

    public string? Banner { get; private set; }
    public string? User { get; private set; }
    public bool StartTls { get; private set; }

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Banner is null && TextLine.First(server, out var greeting) == TextLine.LineState.Complete)
        {
            Banner = WireText.Decode(greeting, MaxBannerLength);
            var text = greeting.Length > 2 ? greeting[2..] : default;
            // Skip a "[CAPABILITY ...]" response code: its atoms are not the product.
            int close = text.IndexOf((byte)']');
            if (close >= 0)
            {
                text = text[(close + 1)..];
            }

            if (BannerProduct.TryFind(text, MailText.MailboxProducts, out var name, out var version))
            {
                ApplicationName = name;
                ApplicationVersion = version;
            }
        }

        int pos = 0;
        for (int n = 0; n < MaxClientLines && TextLine.Next(client, ref pos, out var line); n++)
        {
            if (!ImapFingerprinter.TrySplit(line, out _, out var command, out var args))
            {
                continue;
            }

            if (User is null && TextLine.EqualsIgnoreCase(command, "login"u8))
            {
                User = WireText.Decode(Unquote(TextLine.Word(TextLine.Trim(args), out _)), MaxUserLength);
            }
            else if (TextLine.EqualsIgnoreCase(command, "starttls"u8))
            {
                StartTls = true;
            }
        }

        return StartTls || (User is not null && Banner is not null);
    }

    private static ReadOnlySpan<byte> Unquote(ReadOnlySpan<byte> s) =>
        s.Length >= 2 && s[0] == '"' && s[^1] == '"' ? s[1..^1] : s;

    /// <summary>TLS after STARTTLS: the first handshake record after the text exchange in each direction.</summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) =>
        StartTls ? InnerStart.TlsAfterText(client, server) : InnerStart.None;

    public override void WriteEcs(Utf8JsonWriter writer) => Text.SessionFields.WriteUser(writer, User);

    public override void WriteSniffer(Utf8JsonWriter writer) => Text.SessionFields.WriteBanner(writer, "imap"u8, Banner, StartTls);
}
