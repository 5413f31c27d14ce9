using System.Text.Json;
using Sniffer.Fingerprinting.Smtp;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Pop3;

/// <summary>POP3 metadata: <c>user.name</c> (ECS, from USER), <c>sniffer.pop3.banner</c>, <c>sniffer.pop3.starttls</c>.</summary>
public sealed class Pop3Metadata : ProtocolMetadata, IStreamParsedMetadata
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
            if (greeting.Length > 4 && BannerProduct.TryFind(greeting[4..], MailText.MailboxProducts, out var name, out var version))
            {
                ApplicationName = name;
                ApplicationVersion = version;
            }
        }

        int pos = 0;
        for (int n = 0; n < MaxClientLines && TextLine.Next(client, ref pos, out var line); n++)
        {
            var verb = TextLine.Word(line, out var rest);
            if (User is null && TextLine.EqualsIgnoreCase(verb, "user"u8))
            {
                User = WireText.Decode(TextLine.Trim(rest), MaxUserLength);
            }
            else if (TextLine.EqualsIgnoreCase(TextLine.Trim(line), "stls"u8))
            {
                StartTls = true;
            }
        }

        return StartTls || (User is not null && Banner is not null);
    }

    /// <summary>TLS after STARTTLS: the first handshake record after the text exchange in each direction.</summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) =>
        StartTls ? InnerStart.TlsAfterText(client, server) : InnerStart.None;

    public override void WriteEcs(Utf8JsonWriter writer) => Text.SessionFields.WriteUser(writer, User);

    public override void WriteSniffer(Utf8JsonWriter writer) => Text.SessionFields.WriteBanner(writer, "pop3"u8, Banner, StartTls);
}
