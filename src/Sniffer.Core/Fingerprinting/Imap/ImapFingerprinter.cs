using Sniffer.Fingerprinting.Smtp;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Imap;

/// <summary>
/// IMAP (RFC 9051/3501): the server greets with "* OK" / "* PREAUTH" (untagged), the client sends tagged commands
/// ("a001 LOGIN", "A1 CAPABILITY", "1 STARTTLS").
/// </summary>
public sealed class ImapFingerprinter : IFingerprinter
{
    public static readonly ImapFingerprinter Instance = new();

    /// <summary>Longest command tag accepted.</summary>
    public const int MaxTagLength = 32;

    public string Name => "imap";

    /// <summary>Commands a client may open a session with (RFC 9051 not-authenticated state, plus common ones).</summary>
    private static readonly byte[][] Commands =
    [
        "capability"u8.ToArray(), "login"u8.ToArray(), "authenticate"u8.ToArray(), "starttls"u8.ToArray(),
        "id"u8.ToArray(), "noop"u8.ToArray(), "logout"u8.ToArray(), "select"u8.ToArray(), "examine"u8.ToArray(),
        "list"u8.ToArray(), "lsub"u8.ToArray(), "status"u8.ToArray(), "enable"u8.ToArray(), "namespace"u8.ToArray(),
        "compress"u8.ToArray(), "xlist"u8.ToArray(), "idle"u8.ToArray(),
    ];

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): A tag (letters, digits, '.', '-', '_') from the client, an untagged "* "
    /// greeting from the server (a bare CR is an empty partial line, still undecided).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(
            ByteSet.Range((byte)'0', (byte)'9').Union(ByteSet.Range((byte)'a', (byte)'z')).Union(ByteSet.Range((byte)'A', (byte)'Z'))
                .Union(ByteSet.Of((byte)'.', (byte)'-', (byte)'_', (byte)'\r')),
            ByteSet.Of((byte)'*', (byte)'\r'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(ClientVerdict(context.Client, context.ClientComplete), ServerVerdict(context.Server, context.ServerComplete),
            "imap.greeting_and_command", "imap.command", "imap.greeting");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<ImapMetadata>(context, ref metadata);

    internal static bool IsTagChar(byte b) => TextLine.IsAlnum(b) || b is (byte)'.' or (byte)'-' or (byte)'_';

    /// <summary>Splits "tag COMMAND args" into command and args; false when the tag is not an IMAP tag.</summary>
    internal static bool TrySplit(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> tag, out ReadOnlySpan<byte> command, out ReadOnlySpan<byte> args)
    {
        tag = TextLine.Word(line, out var rest);
        command = TextLine.Word(rest, out args);
        if (tag.IsEmpty || tag.Length > MaxTagLength || line.IndexOf((byte)' ') < 0)
        {
            return false;
        }

        foreach (byte b in tag)
        {
            if (!IsTagChar(b))
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsCommand(ReadOnlySpan<byte> command, bool prefix)
    {
        foreach (var c in Commands)
        {
            if (prefix ? TextLine.CouldStartWith(command, c) && command.Length <= c.Length : TextLine.EqualsIgnoreCase(command, c))
            {
                return true;
            }
        }

        return false;
    }

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
                int sp = line.IndexOf((byte)' ');
                if (sp < 0)
                {
                    foreach (byte b in line)
                    {
                        if (!IsTagChar(b))
                        {
                            return SideVerdict.No;
                        }
                    }

                    return line.Length <= MaxTagLength ? SideVerdict.Pending : SideVerdict.No;
                }

                if (!TrySplit(line, out _, out var partialCommand, out _))
                {
                    return SideVerdict.No;
                }

                bool commandDone = line[(sp + 1)..].IndexOf((byte)' ') >= 0;
                return IsCommand(partialCommand, prefix: !commandDone) ? SideVerdict.Pending : SideVerdict.No;
        }

        return TrySplit(line, out _, out var command, out _) && IsCommand(command, prefix: false) ? SideVerdict.Strong : SideVerdict.No;
    }

    internal static SideVerdict ServerVerdict(ReadOnlySpan<byte> server, bool complete)
    {
        if (TextLine.OpenFirstLine(server, complete, out var line,
            static partial => TextLine.CouldStartWith(partial, "* ok "u8) ||
                TextLine.CouldStartWith(partial, "* preauth "u8) || TextLine.CouldStartWith(partial, "* bye "u8)) is { } opening)
        {
            return opening;
        }

        if (TextLine.StartsWithIgnoreCase(line, "* ok"u8) || TextLine.StartsWithIgnoreCase(line, "* preauth"u8))
        {
            int verbEnd = line[2] is (byte)'o' or (byte)'O' ? 4 : 9;
            if (line.Length == verbEnd)
            {
                return SideVerdict.Weak;
            }

            if (line[verbEnd] != ' ')
            {
                return SideVerdict.No;
            }

            var text = line[verbEnd..];
            return TextLine.ContainsIgnoreCase(text, "imap"u8) || TextLine.ContainsIgnoreCase(text, "[capability"u8) ||
                TextLine.ContainsIgnoreCase(text, "ready"u8) || BannerProduct.NamesAny(text, MailText.MailboxProducts)
                ? SideVerdict.Strong
                : SideVerdict.Weak;
        }

        return TextLine.StartsWithIgnoreCase(line, "* bye "u8) ? SideVerdict.Weak : SideVerdict.No;
    }
}
