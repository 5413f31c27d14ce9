using Sniffer.Fingerprinting.Smtp;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Pop3;

/// <summary>
/// POP3 (RFC 1939): the server greets with "+OK text", the client sends USER/CAPA/STLS/APOP/AUTH.
/// USER with one argument is shared with FTP (weak); IRC's four-argument USER is refused.
/// </summary>
public sealed class Pop3Fingerprinter : IFingerprinter
{
    public static readonly Pop3Fingerprinter Instance = new();

    public string Name => "pop3";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): USER/CAPA/STLS/APOP/AUTH from the client, "+OK" from the server (a bare CR
    /// is an empty partial line, still undecided).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(ByteSet.LettersAnyCase("ucsa"u8).With((byte)'\r'), ByteSet.Of((byte)'+', (byte)'\r'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(ClientVerdict(context.Client, context.ClientComplete), ServerVerdict(context.Server, context.ServerComplete),
            "pop3.greeting_and_command", "pop3.command", "pop3.greeting");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<Pop3Metadata>(context, ref metadata);

    internal static SideVerdict ClientVerdict(ReadOnlySpan<byte> client, bool complete)
    {
        if (TextLine.OpenFirstLine(client, complete, out var line,
            static partial => TextLine.CouldStartWith(partial, "user "u8) ||
                TextLine.CouldStartWith(partial, "capa"u8) || TextLine.CouldStartWith(partial, "stls"u8) ||
                TextLine.CouldStartWith(partial, "apop "u8) || TextLine.CouldStartWith(partial, "auth"u8)) is { } opening)
        {
            return opening;
        }

        var verb = TextLine.Word(line, out var rest);
        if (TextLine.EqualsIgnoreCase(verb, "capa"u8) || TextLine.EqualsIgnoreCase(verb, "stls"u8))
        {
            return rest.IsEmpty ? SideVerdict.Strong : SideVerdict.No;
        }

        if (TextLine.EqualsIgnoreCase(verb, "apop"u8))
        {
            return TextLine.CountWords(rest) == 2 ? SideVerdict.Strong : SideVerdict.No;
        }

        if (TextLine.EqualsIgnoreCase(verb, "user"u8))
        {
            return TextLine.CountWords(rest) == 1 ? SideVerdict.Weak : SideVerdict.No;
        }

        if (TextLine.EqualsIgnoreCase(verb, "auth"u8))
        {
            // "AUTH TLS"/"AUTH SSL" is FTP (RFC 4217).
            var mech = TextLine.Trim(rest);
            return TextLine.EqualsIgnoreCase(mech, "tls"u8) || TextLine.EqualsIgnoreCase(mech, "ssl"u8) ||
                TextLine.EqualsIgnoreCase(mech, "tls-c"u8) ? SideVerdict.No : SideVerdict.Weak;
        }

        return SideVerdict.No;
    }

    internal static SideVerdict ServerVerdict(ReadOnlySpan<byte> server, bool complete)
    {
        if (TextLine.OpenFirstLine(server, complete, out var line,
            static partial => TextLine.CouldStartWith(partial, "+ok"u8) && (partial.Length <= 3 || partial[3] == ' ')) is { } opening)
        {
            return opening;
        }

        if (!line.StartsWith("+OK"u8) || (line.Length > 3 && line[3] != ' '))
        {
            return SideVerdict.No;
        }

        var text = line[Math.Min(4, line.Length)..];
        if (text.IsEmpty)
        {
            return SideVerdict.Weak;
        }

        return TextLine.ContainsIgnoreCase(text, "pop"u8) || TextLine.ContainsIgnoreCase(text, "ready"u8) ||
            BannerProduct.NamesAny(text, MailText.MailboxProducts) || HasApopTimestamp(text)
            ? SideVerdict.Strong
            : SideVerdict.Weak;
    }

    /// <summary>An APOP timestamp "&lt;pid.clock@host&gt;" (RFC 1939 §7).</summary>
    private static bool HasApopTimestamp(ReadOnlySpan<byte> text)
    {
        int open = text.IndexOf((byte)'<');
        if (open < 0)
        {
            return false;
        }

        int close = text[open..].IndexOf((byte)'>');
        return close > 0 && text.Slice(open, close).IndexOf((byte)'@') > 0;
    }
}
