using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Rtsp;

/// <summary>
/// RTSP (RFC 2326/7826): request line "METHOD rtsp://host/path RTSP/1.0" (or "*"), status line "RTSP/1.0 200 OK".
/// The version token is checked exactly, so HTTP and SIP lines of the same shape are refused.
/// </summary>
public sealed class RtspFingerprinter : IFingerprinter
{
    public static readonly RtspFingerprinter Instance = new();

    public string Name => "rtsp";

    internal static readonly byte[][] Methods =
    [
        "options"u8.ToArray(), "describe"u8.ToArray(), "setup"u8.ToArray(), "play"u8.ToArray(), "pause"u8.ToArray(),
        "teardown"u8.ToArray(), "get_parameter"u8.ToArray(), "set_parameter"u8.ToArray(), "announce"u8.ToArray(),
        "record"u8.ToArray(), "redirect"u8.ToArray(), "play_notify"u8.ToArray(),
    ];

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): An upper-case RTSP method from the client, "RTSP/" from the server (a bare
    /// CR is an empty partial line, still undecided).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(ByteSet.Of((byte)'O', (byte)'D', (byte)'S', (byte)'P', (byte)'T', (byte)'G', (byte)'A', (byte)'R', (byte)'\r'), ByteSet.LettersAnyCase("r"u8).With((byte)'\r'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(
            StartLine.RequestVerdict(context.Client, context.ClientComplete, Methods, "rtsp/1.0"u8, "rtsp/2.0"u8, IsRtspUri),
            StartLine.StatusVerdict(context.Server, context.ServerComplete, "rtsp/1.0 "u8, "rtsp/2.0 "u8),
            "rtsp.request_and_response", "rtsp.request_line", "rtsp.status_line");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<RtspMetadata>(context, ref metadata);

    private static bool IsRtspUri(ReadOnlySpan<byte> uri) =>
        uri.SequenceEqual("*"u8) || TextLine.StartsWithIgnoreCase(uri, "rtsp://"u8) || TextLine.StartsWithIgnoreCase(uri, "rtsps://"u8) ||
        TextLine.StartsWithIgnoreCase(uri, "rtspu://"u8) || uri.StartsWith("/"u8);
}
