namespace Sniffer.Fingerprinting.Http;

/// <summary>
/// HTTP/1.x: a request line from the client or a status line from the server (either alone suffices, so
/// one-sided captures are identified). Metadata comes from the first request and response headers.
/// </summary>
public sealed class HttpFingerprinter : IFingerprinter
{
    public static readonly HttpFingerprinter Instance = new();

    public string Name => "http";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): A request starts with an upper-case method token; a status line alone with
    /// "HTTP/1.".
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(ByteSet.Range((byte)'A', (byte)'Z').Union(ByteSet.Of((byte)'-', (byte)'_')), ByteSet.All, serverAlone: ByteSet.Of((byte)'H'));

    public ProbeResult Probe(in InspectionContext context)
    {
        HttpStartLine request = default;
        var client = context.Client.IsEmpty ? (HttpParseStatus?)null : HttpParser.TryParseRequestLine(context.Client, out request);
        var server = context.Server.IsEmpty ? (HttpParseStatus?)null : HttpParser.TryParseStatusLine(context.Server, out _);
        if (client == HttpParseStatus.Invalid)
        {
            return ProbeResult.NoMatch;
        }

        if (client == HttpParseStatus.Done)
        {
            bool known = HttpParser.IsKnownMethod(context.Client[request.Method]);
            return ProbeResult.Matched(known || server == HttpParseStatus.Done ? Confidence.High : Confidence.Medium, "http.request_line");
        }

        if (server == HttpParseStatus.Done)
        {
            return ProbeResult.Matched(Confidence.Medium, "http.status_line");
        }

        if (server == HttpParseStatus.Invalid && client is null)
        {
            return ProbeResult.NoMatch;
        }

        bool clientStuck = context.ClientComplete;
        bool serverStuck = server is null or HttpParseStatus.Invalid || context.ServerComplete;
        return clientStuck && serverStuck ? ProbeResult.NoMatch : ProbeResult.NeedMore;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as HttpMetadata ?? new HttpMetadata();
        metadata = meta;
        if (!meta.RequestParsed && !context.Client.IsEmpty)
        {
            meta.RequestParsed = ParseMessage(context.Client, meta, request: true) || context.ClientComplete;
        }

        if (!meta.ResponseParsed && !context.Server.IsEmpty)
        {
            meta.ResponseParsed = ParseMessage(context.Server, meta, request: false) || context.ServerComplete;
        }

        return (meta.RequestParsed || context.ClientComplete) && (meta.ResponseParsed || context.ServerComplete);
    }

    /// <summary>Parses a start line and its headers into the metadata; true when the header section is complete.</summary>
    private static bool ParseMessage(ReadOnlySpan<byte> s, HttpMetadata meta, bool request)
    {
        HttpStartLine line;
        var status = request ? HttpParser.TryParseRequestLine(s, out line) : HttpParser.TryParseStatusLine(s, out line);
        if (status == HttpParseStatus.Invalid)
        {
            return true; // nothing more to learn from this direction
        }

        if (status == HttpParseStatus.NeedMoreData)
        {
            return false;
        }

        if (request)
        {
            meta.SetRequestLine(s, line);
        }
        else
        {
            meta.SetStatusLine(line);
        }

        int offset = line.Length;
        for (int n = 0; n < HttpParser.MaxHeaderCount; n++)
        {
            var h = HttpParser.TryParseHeader(s, ref offset, out var name, out var value);
            if (h == HttpParseStatus.NeedMoreData)
            {
                return false;
            }

            if (h == HttpParseStatus.Invalid || name.Equals(default(Range)))
            {
                return true; // end of headers (or a broken line: stop there)
            }

            meta.SetHeader(s[name], s[value], request);
        }

        return true;
    }
}
