using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Smtp;

/// <summary>
/// SMTP (RFC 5321): the server greets with "220 " / "220-" and the client opens with EHLO/HELO (LHLO for LMTP).
/// A greeting that names FTP is left to the FTP fingerprinter; a bare "220 text" greeting waits for the client.
/// </summary>
public sealed class SmtpFingerprinter : IFingerprinter
{
    public static readonly SmtpFingerprinter Instance = new();

    /// <summary>Greeting lines ("220-" continuations) looked at for a telling word.</summary>
    public const int MaxGreetingLines = 8;

    public string Name => "smtp";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): EHLO/HELO/LHLO from the client, a 220 greeting from the server (a bare CR
    /// is an empty partial line, still undecided).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(ByteSet.LettersAnyCase("ehl"u8).With((byte)'\r'), ByteSet.Of((byte)'2', (byte)'\r'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(ClientVerdict(context.Client, context.ClientComplete), ServerVerdict(context.Server, context.ServerComplete),
            "smtp.greeting_and_helo", "smtp.helo", "smtp.greeting");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<SmtpMetadata>(context, ref metadata);

    internal static SideVerdict ClientVerdict(ReadOnlySpan<byte> client, bool complete)
    {
        if (TextLine.OpenFirstLine(client, complete, out var line,
            static partial => TextLine.CouldStartWith(partial, "ehlo "u8) ||
                TextLine.CouldStartWith(partial, "helo "u8) || TextLine.CouldStartWith(partial, "lhlo "u8)) is { } opening)
        {
            return opening;
        }

        return IsHelo(line) ? SideVerdict.Strong : SideVerdict.No;
    }

    internal static bool IsHelo(ReadOnlySpan<byte> line) =>
        line.Length > 5 && (TextLine.StartsWithIgnoreCase(line, "ehlo "u8) || TextLine.StartsWithIgnoreCase(line, "helo "u8) ||
            TextLine.StartsWithIgnoreCase(line, "lhlo "u8)) && !TextLine.Trim(line[5..]).IsEmpty;

    internal static SideVerdict ServerVerdict(ReadOnlySpan<byte> server, bool complete)
    {
        if (TextLine.OpenFirstLine(server, complete, out var line,
            static partial => IsReplyStart(partial, "220"u8)) is { } opening)
        {
            return opening;
        }

        if (!IsReplyStart(line, "220"u8) || line.Length < 4)
        {
            return SideVerdict.No;
        }

        // Look through the greeting's lines ("220-..." continuations then "220 ...") for a telling word.
        int offset = 0;
        for (int n = 0; n < MaxGreetingLines; n++)
        {
            if (!TextLine.Next(server, ref offset, out var l))
            {
                if (n > 0)
                {
                    break;
                }

                l = line; // the side is complete: decide on the unterminated line
            }

            if (l.Length < 4 || !IsReplyStart(l, "220"u8))
            {
                break;
            }

            var words = l[4..];
            if (MailText.NamesFtp(words))
            {
                return SideVerdict.No;
            }

            if (MailText.NamesSmtp(words))
            {
                return SideVerdict.Strong;
            }

            if (l[3] == ' ')
            {
                break;
            }
        }

        return SideVerdict.Weak;
    }

    /// <summary>"NNN" then end, ' ' or '-' (a reply line with that code), or a prefix of one.</summary>
    internal static bool IsReplyStart(ReadOnlySpan<byte> line, ReadOnlySpan<byte> code)
    {
        if (line.Length <= 3)
        {
            return code.StartsWith(line);
        }

        return line.StartsWith(code) && line[3] is (byte)' ' or (byte)'-';
    }
}
