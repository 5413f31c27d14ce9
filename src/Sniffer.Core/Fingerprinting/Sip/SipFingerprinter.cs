using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Sip;

/// <summary>
/// SIP (RFC 3261) over UDP or TCP: request line "INVITE sip:bob@example.com SIP/2.0" (Request-URI sip:, sips:,
/// tel:), status line "SIP/2.0 200 OK". The version token is checked exactly (not HTTP/RTSP).
/// </summary>
public sealed class SipFingerprinter : IFingerprinter
{
    public static readonly SipFingerprinter Instance = new();

    public string Name => "sip";

    internal static readonly byte[][] Methods =
    [
        "invite"u8.ToArray(), "register"u8.ToArray(), "options"u8.ToArray(), "bye"u8.ToArray(), "ack"u8.ToArray(),
        "cancel"u8.ToArray(), "subscribe"u8.ToArray(), "notify"u8.ToArray(), "message"u8.ToArray(), "info"u8.ToArray(),
        "prack"u8.ToArray(), "update"u8.ToArray(), "refer"u8.ToArray(), "publish"u8.ToArray(),
    ];

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): Either side: an upper-case SIP method or a "SIP/2.0" status line (a bare
    /// CR is an empty partial line, still undecided).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        FirstBytes.Both(ByteSet.Of((byte)'I', (byte)'R', (byte)'O', (byte)'B', (byte)'A', (byte)'C', (byte)'S', (byte)'N', (byte)'M', (byte)'P', (byte)'U', (byte)'s', (byte)'\r'));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = Verdict(context.Client, context.ClientComplete);
        var server = Verdict(context.Server, context.ServerComplete);
        return TextLine.Combine(client, server, "sip.request_and_response", "sip.message", "sip.message");
    }

    /// <summary>Either direction may send requests (a UAS sends BYE too) or responses.</summary>
    private static SideVerdict Verdict(ReadOnlySpan<byte> data, bool complete)
    {
        var request = StartLine.RequestVerdict(data, complete, Methods, "sip/2.0"u8, "sip/2.0"u8, IsSipUri);
        if (request is SideVerdict.Strong or SideVerdict.Pending or SideVerdict.Absent)
        {
            return request;
        }

        return StartLine.StatusVerdict(data, complete, "sip/2.0 "u8, "sip/2.0 "u8);
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<SipMetadata>(context, ref metadata);

    private static bool IsSipUri(ReadOnlySpan<byte> uri) =>
        TextLine.StartsWithIgnoreCase(uri, "sip:"u8) || TextLine.StartsWithIgnoreCase(uri, "sips:"u8) || TextLine.StartsWithIgnoreCase(uri, "tel:"u8);
}
