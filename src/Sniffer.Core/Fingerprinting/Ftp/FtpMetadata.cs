using System.Text.Json;
using Sniffer.Fingerprinting.Smtp;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Ftp;

/// <summary>FTP metadata: <c>user.name</c> (ECS, from USER), <c>sniffer.ftp.banner</c>, <c>sniffer.ftp.starttls</c> (AUTH TLS/SSL).</summary>
public sealed class FtpMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>Longest greeting line kept.</summary>
    public const int MaxBannerLength = 256;
    /// <summary>Longest user name kept.</summary>
    public const int MaxUserLength = 128;
    /// <summary>Client command lines looked at.</summary>
    public const int MaxClientLines = 16;

    /// <summary>FTP server products, most specific first.</summary>
    public static readonly ProductToken[] Products =
    [
        new("vsftpd"u8.ToArray(), "vsFTPd"),
        new("proftpd"u8.ToArray(), "ProFTPD"),
        new("pure-ftpd"u8.ToArray(), "Pure-FTPd"),
        new("filezilla server"u8.ToArray(), "FileZilla Server"),
        new("microsoft ftp service"u8.ToArray(), "Microsoft FTP Service"),
        new("serv-u"u8.ToArray(), "Serv-U"),
        new("wu-2."u8.ToArray(), "wu-ftpd"),
        new("wftpd"u8.ToArray(), "WFTPD"),
        new("glftpd"u8.ToArray(), "glFTPd"),
        new("pyftpdlib"u8.ToArray(), "pyftpdlib"),
        new("bftpd"u8.ToArray(), "bftpd"),
        new("crushftp"u8.ToArray(), "CrushFTP"),
    ];

    public string? Banner { get; private set; }
    public string? User { get; private set; }
    public bool StartTls { get; private set; }

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Banner is null && TextLine.First(server, out var greeting) == TextLine.LineState.Complete)
        {
            Banner = WireText.Decode(greeting, MaxBannerLength);
            int offset = 0;
            for (int n = 0; n < FtpFingerprinter.MaxGreetingLines && TextLine.Next(server, ref offset, out var l); n++)
            {
                bool coded = l.Length >= 4 && TextLine.IsDigit(l[0]) && l[3] is (byte)' ' or (byte)'-';
                if (BannerProduct.TryFind(coded ? l[4..] : l, Products, out var name, out var version))
                {
                    ApplicationName = name;
                    ApplicationVersion = version;
                    break;
                }

                if (coded && l[3] == ' ')
                {
                    break;
                }
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
            else if (TextLine.EqualsIgnoreCase(verb, "auth"u8))
            {
                var mech = TextLine.Trim(rest);
                if (TextLine.StartsWithIgnoreCase(mech, "tls"u8) || TextLine.EqualsIgnoreCase(mech, "ssl"u8))
                {
                    StartTls = true;
                    return true;
                }
            }
        }

        return User is not null && Banner is not null;
    }

    /// <summary>TLS after STARTTLS: the first handshake record after the text exchange in each direction.</summary>
    public override InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) =>
        StartTls ? InnerStart.TlsAfterText(client, server) : InnerStart.None;

    public override void WriteEcs(Utf8JsonWriter writer) => Text.SessionFields.WriteUser(writer, User);

    public override void WriteSniffer(Utf8JsonWriter writer) => Text.SessionFields.WriteBanner(writer, "ftp"u8, Banner, StartTls);
}
