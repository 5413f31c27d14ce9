using Sniffer.Fingerprinting.Smtp;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Ftp;

/// <summary>
/// FTP control (RFC 959): the server greets with "220" (or "120" service-ready-later), the client sends USER, AUTH
/// TLS, FEAT, SYST, OPTS, HOST... A greeting that names SMTP is left to SMTP; a bare "220 text" waits for the
/// client. USER with one argument is shared with POP3 (weak).
/// </summary>
public sealed class FtpFingerprinter : IFingerprinter
{
    public static readonly FtpFingerprinter Instance = new();

    /// <summary>Greeting lines ("220-" continuations) looked at for a telling word.</summary>
    public const int MaxGreetingLines = 16;

    public string Name => "ftp";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): USER/AUTH/OPTS/HOST/FEAT/SYST/PWD/NOOP/PASV/EPSV from the client, a
    /// 220/120 reply from the server (a bare CR is an empty partial line, still undecided).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(ByteSet.LettersAnyCase("uaohfspne"u8).With((byte)'\r'), ByteSet.Of((byte)'1', (byte)'2', (byte)'\r'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(ClientVerdict(context.Client, context.ClientComplete), ServerVerdict(context.Server, context.ServerComplete),
            "ftp.greeting_and_command", "ftp.command", "ftp.greeting");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<FtpMetadata>(context, ref metadata);

    /// <summary>Commands only FTP opens with (no argument, or the argument is checked below).</summary>
    private static readonly byte[][] BareCommands =
    [
        "feat"u8.ToArray(), "syst"u8.ToArray(), "pwd"u8.ToArray(), "noop"u8.ToArray(), "pasv"u8.ToArray(), "epsv"u8.ToArray(),
    ];

    internal static SideVerdict ClientVerdict(ReadOnlySpan<byte> client, bool complete)
    {
        var state = TextLine.First(client, out var line);
        switch (state)
        {
            case TextLine.LineState.Empty:
                return TextLine.Undecided(complete);
            case TextLine.LineState.Invalid:
                return SideVerdict.No;
            case TextLine.LineState.Partial when !complete:
                if (TextLine.CouldStartWith(line, "user "u8) || TextLine.CouldStartWith(line, "auth "u8) ||
                    TextLine.CouldStartWith(line, "opts "u8) || TextLine.CouldStartWith(line, "host "u8))
                {
                    return SideVerdict.Pending;
                }

                foreach (var c in BareCommands)
                {
                    if (line.Length <= c.Length && TextLine.CouldStartWith(line, c))
                    {
                        return SideVerdict.Pending;
                    }
                }

                return SideVerdict.No;
        }

        var verb = TextLine.Word(line, out var rest);
        var arg = TextLine.Trim(rest);
        if (TextLine.EqualsIgnoreCase(verb, "user"u8))
        {
            return TextLine.CountWords(arg) == 1 ? SideVerdict.Weak : SideVerdict.No;
        }

        if (TextLine.EqualsIgnoreCase(verb, "auth"u8))
        {
            return TextLine.EqualsIgnoreCase(arg, "tls"u8) || TextLine.EqualsIgnoreCase(arg, "ssl"u8) ||
                TextLine.EqualsIgnoreCase(arg, "tls-c"u8) || TextLine.EqualsIgnoreCase(arg, "tls-p"u8)
                ? SideVerdict.Strong : SideVerdict.No;
        }

        if (TextLine.EqualsIgnoreCase(verb, "opts"u8) || TextLine.EqualsIgnoreCase(verb, "host"u8))
        {
            return arg.IsEmpty ? SideVerdict.No : SideVerdict.Strong;
        }

        foreach (var c in BareCommands)
        {
            if (TextLine.EqualsIgnoreCase(verb, c))
            {
                return arg.IsEmpty ? SideVerdict.Strong : SideVerdict.No;
            }
        }

        return SideVerdict.No;
    }

    internal static SideVerdict ServerVerdict(ReadOnlySpan<byte> server, bool complete)
    {
        if (TextLine.OpenFirstLine(server, complete, out var line,
            static partial => SmtpFingerprinter.IsReplyStart(partial, "220"u8) || SmtpFingerprinter.IsReplyStart(partial, "120"u8)) is { } opening)
        {
            return opening;
        }

        if (line.Length < 4 || !(SmtpFingerprinter.IsReplyStart(line, "220"u8) || SmtpFingerprinter.IsReplyStart(line, "120"u8)))
        {
            return SideVerdict.No;
        }

        int offset = 0;
        for (int n = 0; n < MaxGreetingLines; n++)
        {
            if (!TextLine.Next(server, ref offset, out var l))
            {
                if (n > 0)
                {
                    break;
                }

                l = line;
            }

            // Multi-line greetings may hold continuation lines without the code (RFC 959 §4.2).
            bool coded = l.Length >= 4 && TextLine.IsDigit(l[0]) && TextLine.IsDigit(l[1]) && TextLine.IsDigit(l[2]) && l[3] is (byte)' ' or (byte)'-';
            var words = coded ? l[4..] : l;
            if (MailText.NamesSmtp(words))
            {
                return SideVerdict.No;
            }

            if (MailText.NamesFtp(words) || BannerProduct.NamesAny(words, FtpMetadata.Products))
            {
                return SideVerdict.Strong;
            }

            if (coded && l[3] == ' ')
            {
                break;
            }
        }

        return SideVerdict.Weak;
    }
}
