using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Xmpp;

/// <summary>
/// XMPP (RFC 6120): either side opens with an optional XML declaration then a &lt;stream:stream&gt; tag in the
/// jabber namespaces (jabber:client, jabber:server, http://etherx.jabber.org/streams).
/// </summary>
public sealed class XmppFingerprinter : IFingerprinter
{
    public static readonly XmppFingerprinter Instance = new();

    /// <summary>Bytes searched for the complete stream header (declaration + &lt;stream:stream ...&gt;).</summary>
    public const int MaxHeaderBytes = 2048;

    public string Name => "xmpp";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): Optional white space, then '<' (XML declaration, stream header or stanza),
    /// on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        FirstBytes.Both(ByteSet.Of((byte)'<', (byte)' ', (byte)'\t', (byte)'\r', (byte)'\n'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(Verdict(context.Client, context.ClientComplete), Verdict(context.Server, context.ServerComplete),
            "xmpp.streams", "xmpp.stream_header", "xmpp.stream_header");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<XmppMetadata>(context, ref metadata);

    /// <summary>Finds the &lt;stream:stream ...&gt; open tag; the result says whether it is there, may come, or cannot.</summary>
    internal static SideVerdict StreamTag(ReadOnlySpan<byte> data, bool complete, out ReadOnlySpan<byte> tag)
    {
        tag = default;
        if (data.IsEmpty)
        {
            return TextLine.Undecided(complete);
        }

        var s = data.Length > MaxHeaderBytes ? data[..MaxHeaderBytes] : data;
        int i = SkipSpace(s, 0);
        if (i < s.Length && TextLine.CouldStartWith(s[i..], "<?xml"u8))
        {
            if (s.Length - i < 5)
            {
                return complete ? SideVerdict.No : SideVerdict.Pending;
            }

            int end = s[i..].IndexOf("?>"u8);
            if (end < 0)
            {
                return complete || data.Length > MaxHeaderBytes || !TextLine.IsText(s[i..]) ? SideVerdict.No : SideVerdict.Pending;
            }

            i = SkipSpace(s, i + end + 2);
        }

        if (i >= s.Length)
        {
            return complete ? SideVerdict.No : SideVerdict.Pending;
        }

        var rest = s[i..];
        if (!TextLine.CouldStartWith(rest, "<stream:stream"u8) && !TextLine.CouldStartWith(rest, "<stream "u8))
        {
            return SideVerdict.No;
        }

        int close = rest.IndexOf((byte)'>');
        if (close < 0)
        {
            return complete || data.Length > MaxHeaderBytes || !TextLine.IsText(rest) ? SideVerdict.No : SideVerdict.Pending;
        }

        tag = rest[..close];
        if (rest.Length < 14 || !TextLine.StartsWithIgnoreCase(rest, "<stream:stream"u8) || !(rest[14] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            return SideVerdict.No;
        }

        return TextLine.ContainsIgnoreCase(tag, "jabber:"u8) || TextLine.ContainsIgnoreCase(tag, "etherx.jabber.org/streams"u8)
            ? SideVerdict.Strong : SideVerdict.No;
    }

    /// <summary>Bytes searched for a jabber namespace in a mid-stream stanza.</summary>
    public const int MaxStanzaSearch = 512;

    private static SideVerdict Verdict(ReadOnlySpan<byte> data, bool complete)
    {
        var header = StreamTag(data, complete, out _);
        return header == SideVerdict.No ? StanzaVerdict(data, complete) : header;
    }

    /// <summary>
    /// A flow picked up mid-stream starts with a stanza (&lt;iq&gt;, &lt;presence&gt;, &lt;message&gt;): weak alone,
    /// strong when a jabber namespace shows within the first bytes.
    /// </summary>
    private static SideVerdict StanzaVerdict(ReadOnlySpan<byte> data, bool complete)
    {
        int i = SkipSpace(data, 0);
        var rest = data[i..];
        if (TextLine.CouldStartWith(rest, StreamEnd) && !rest.IsEmpty)
        {
            // A flow picked up at its very end: the closing tag of the stream, an XMPP-only token.
            return rest.Length < StreamEnd.Length ? (complete ? SideVerdict.No : SideVerdict.Pending) : SideVerdict.Weak;
        }

        bool could = TextLine.CouldStartWith(rest, "<iq "u8) || TextLine.CouldStartWith(rest, "<presence"u8) ||
            TextLine.CouldStartWith(rest, "<message "u8);
        if (rest.IsEmpty || !could)
        {
            return SideVerdict.No;
        }

        if (rest.Length < 9 && !(rest.Length >= 4 && rest.StartsWith("<iq "u8)))
        {
            return complete ? SideVerdict.No : SideVerdict.Pending;
        }

        if (rest.StartsWith("<presence"u8) && !(rest[9] is (byte)' ' or (byte)'>' or (byte)'/'))
        {
            return SideVerdict.No;
        }

        var window = rest.Length > MaxStanzaSearch ? rest[..MaxStanzaSearch] : rest;
        int close = window.IndexOf((byte)'>');
        if (close < 0)
        {
            return complete || rest.Length > MaxStanzaSearch || !TextLine.IsText(window) ? SideVerdict.No : SideVerdict.Pending;
        }

        if (!TextLine.IsText(window[..close]))
        {
            return SideVerdict.No;
        }

        return TextLine.ContainsIgnoreCase(window, "jabber"u8) ? SideVerdict.Strong : SideVerdict.Weak;
    }

    private static ReadOnlySpan<byte> StreamEnd => "</stream:stream>"u8;

    private static int SkipSpace(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i;
    }
}
