using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Irc;

/// <summary>
/// IRC (RFC 1459/2812, IRCv3): the client registers with NICK / USER (four parameters) / PASS / CAP LS; the server
/// speaks prefixed messages (":irc.example.net NOTICE * :*** Looking up your hostname", ":srv 001 nick :Welcome")
/// or "NOTICE AUTH :...".
/// </summary>
public sealed class IrcFingerprinter : IFingerprinter
{
    public static readonly IrcFingerprinter Instance = new();

    /// <summary>Longest ":prefix" accepted.</summary>
    public const int MaxPrefixLength = 256;

    public string Name => "irc";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): NICK/USER/PASS/CAP from the client (a bare CR is an empty partial line,
    /// still undecided); a prefixed message, NOTICE or PING from the server (an empty line is refused).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(ByteSet.LettersAnyCase("nupc"u8).With((byte)'\r'), ByteSet.LettersAnyCase("np"u8).With((byte)':'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(ClientVerdict(context.Client, context.ClientComplete), ServerVerdict(context.Server, context.ServerComplete),
            "irc.registration_and_reply", "irc.registration", "irc.server_message");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<IrcMetadata>(context, ref metadata);

    internal static SideVerdict ClientVerdict(ReadOnlySpan<byte> client, bool complete)
    {
        if (TextLine.OpenFirstLine(client, complete, out var line,
            static partial => TextLine.CouldStartWith(partial, "nick "u8) ||
                TextLine.CouldStartWith(partial, "user "u8) || TextLine.CouldStartWith(partial, "pass "u8) ||
                TextLine.CouldStartWith(partial, "cap ls"u8) || TextLine.CouldStartWith(partial, "cap req "u8)) is { } opening)
        {
            return opening;
        }

        var verb = TextLine.Word(line, out var rest);
        if (TextLine.EqualsIgnoreCase(verb, "nick"u8))
        {
            var nick = TextLine.Trim(rest);
            if (nick.Length > 0 && nick[0] == ':')
            {
                nick = nick[1..];
            }

            return IsNick(nick) ? SideVerdict.Strong : SideVerdict.No;
        }

        if (TextLine.EqualsIgnoreCase(verb, "user"u8))
        {
            return IsUserLine(rest) ? SideVerdict.Strong : SideVerdict.No;
        }

        if (TextLine.EqualsIgnoreCase(verb, "cap"u8))
        {
            return TextLine.StartsWithIgnoreCase(rest, "ls"u8) || TextLine.StartsWithIgnoreCase(rest, "req "u8) ? SideVerdict.Strong : SideVerdict.No;
        }

        if (TextLine.EqualsIgnoreCase(verb, "pass"u8))
        {
            // PASS then NICK/USER on the next line makes it IRC; PASS alone is weak (FTP sends PASS too, but second).
            int offset = 0;
            TextLine.Next(client, ref offset, out _);
            if (TextLine.Next(client, ref offset, out var second))
            {
                var v2 = TextLine.Word(second, out var rest2);
                return TextLine.EqualsIgnoreCase(v2, "nick"u8) && IsNick(TextLine.Trim(rest2)) ||
                    TextLine.EqualsIgnoreCase(v2, "user"u8) && IsUserLine(rest2) ? SideVerdict.Strong : SideVerdict.No;
            }

            return SideVerdict.Weak;
        }

        return SideVerdict.No;
    }

    /// <summary>"user mode unused :realname" (RFC 2812 §3.1.3).</summary>
    private static bool IsUserLine(ReadOnlySpan<byte> rest)
    {
        int colon = rest.IndexOf(" :"u8);
        var head = colon < 0 ? rest : rest[..colon];
        return TextLine.CountWords(head) == (colon < 0 ? 4 : 3) || (colon >= 0 && TextLine.CountWords(head) == 3);
    }

    /// <summary>A nickname: 1..64 of letters, digits and the RFC 2812 specials.</summary>
    internal static bool IsNick(ReadOnlySpan<byte> nick)
    {
        if (nick.IsEmpty || nick.Length > 64 || TextLine.IsDigit(nick[0]) || nick[0] == '-')
        {
            return false;
        }

        foreach (byte b in nick)
        {
            if (!(TextLine.IsAlnum(b) || b is (byte)'[' or (byte)']' or (byte)'\\' or (byte)'`' or (byte)'_' or (byte)'^' or (byte)'{' or (byte)'|' or (byte)'}' or (byte)'-'))
            {
                return false;
            }
        }

        return true;
    }

    internal static SideVerdict ServerVerdict(ReadOnlySpan<byte> server, bool complete)
    {
        var state = TextLine.First(server, out var line);
        if (line.IsEmpty && state != TextLine.LineState.Empty)
        {
            return SideVerdict.No; // an empty first line (a bare CR or CR LF) starts none of these replies
        }

        switch (state)
        {
            case TextLine.LineState.Empty:
                return TextLine.Undecided(complete);
            case TextLine.LineState.Invalid:
                return SideVerdict.No;
            case TextLine.LineState.Partial when !complete:
                if (line[0] == ':')
                {
                    int sp = line.IndexOf((byte)' ');
                    if (sp < 0)
                    {
                        return line.Length <= MaxPrefixLength ? SideVerdict.Pending : SideVerdict.No;
                    }

                    return sp > 1 ? CommandCould(line[(sp + 1)..]) : SideVerdict.No;
                }

                return TextLine.CouldStartWith(line, "notice auth :"u8) || TextLine.CouldStartWith(line, "ping :"u8) ? SideVerdict.Pending : SideVerdict.No;
        }

        if (TextLine.StartsWithIgnoreCase(line, "notice auth :"u8))
        {
            return SideVerdict.Strong;
        }

        if (TextLine.StartsWithIgnoreCase(line, "ping :"u8))
        {
            return SideVerdict.Weak;
        }

        if (line.Length < 4 || line[0] != ':')
        {
            return SideVerdict.No;
        }

        var prefix = TextLine.Word(line[1..], out var rest);
        if (prefix.IsEmpty || prefix.Length > MaxPrefixLength)
        {
            return SideVerdict.No;
        }

        var command = TextLine.Word(rest, out var parameters);
        return IsServerCommand(command) && !parameters.IsEmpty ? SideVerdict.Strong : SideVerdict.No;
    }

    private static SideVerdict CommandCould(ReadOnlySpan<byte> partialCommand)
    {
        int sp = partialCommand.IndexOf((byte)' ');
        if (sp >= 0)
        {
            return IsServerCommand(partialCommand[..sp]) ? SideVerdict.Pending : SideVerdict.No;
        }

        if (partialCommand.Length <= 3 && AllDigits(partialCommand))
        {
            return SideVerdict.Pending;
        }

        return TextLine.CouldStartWith(partialCommand, "notice"u8) && partialCommand.Length <= 6 ||
            TextLine.CouldStartWith(partialCommand, "ping"u8) && partialCommand.Length <= 4 ||
            TextLine.CouldStartWith(partialCommand, "cap"u8) && partialCommand.Length <= 3 ||
            TextLine.CouldStartWith(partialCommand, "error"u8) && partialCommand.Length <= 5
            ? SideVerdict.Pending : SideVerdict.No;
    }

    /// <summary>What a server sends first: NOTICE, a three-digit numeric, PING, CAP, ERROR.</summary>
    private static bool IsServerCommand(ReadOnlySpan<byte> command) =>
        (command.Length == 3 && AllDigits(command)) || TextLine.EqualsIgnoreCase(command, "notice"u8) ||
        TextLine.EqualsIgnoreCase(command, "ping"u8) || TextLine.EqualsIgnoreCase(command, "cap"u8) ||
        TextLine.EqualsIgnoreCase(command, "error"u8);

    private static bool AllDigits(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
        {
            if (!TextLine.IsDigit(b))
            {
                return false;
            }
        }

        return true;
    }
}
