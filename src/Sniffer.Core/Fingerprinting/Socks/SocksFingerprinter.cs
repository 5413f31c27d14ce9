using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Socks;

/// <summary>
/// SOCKS 4/4a (openssh.com/txt/socks4.protocol, socks4a.protocol) and SOCKS 5 (RFC 1928, RFC 1929).
/// Client: SOCKS4 request (04, CONNECT/BIND, port, IPv4, NUL-terminated user id [4a: 0.0.0.x + host name]) or
/// SOCKS5 greeting (05, 1..32 methods) optionally followed by a username/password sub-negotiation and the
/// request (05, cmd 1..3, 00, address type 1/3/4, address, port). Server: SOCKS4 reply (00, 0x5A..0x5D) or SOCKS5
/// method selection (05, method).
/// </summary>
public sealed class SocksFingerprinter : IFingerprinter
{
    public static readonly SocksFingerprinter Instance = new();

    /// <summary>Longest SOCKS4 user id / 4a host name accepted.</summary>
    public const int MaxSocks4String = 255;
    /// <summary>Most methods in a SOCKS5 greeting accepted (real clients offer 1..4).</summary>
    public const int MaxMethods = 32;

    public string Name => "socks";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): The client names version 4 or 5; the server answers 0 (SOCKS4 reply) or 5.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = new(ByteSet.Of(4, 5), ByteSet.Of(0, 5));

    public ProbeResult Probe(in InspectionContext context)
    {
        int version = context.Client.IsEmpty ? 0 : context.Client[0];
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : SocksParser.ProbeClient(context.Client, out _);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeServer(context.Server, version);
        return ProbeCombiner.Combine(context, client, server);
    }

    private static ProbeResult ProbeServer(ReadOnlySpan<byte> data, int clientVersion)
    {
        if (data[0] == 5 && clientVersion is 0 or 5)
        {
            if (data.Length < 2)
            {
                return ProbeResult.NeedMore;
            }

            // Method: none, GSSAPI, user/password, IANA 0x03..0x09, private 0x80..0xFE, or 0xFF "no acceptable".
            if (data[1] is > 0x09 and < 0x80)
            {
                return ProbeResult.NoMatch;
            }

            // Then nothing (the client speaks next), an RFC 1929 status (01, 00|01..) or the reply (05, 0..8, 00, atyp).
            var next = data[2..];
            bool ok = next.Length switch
            {
                0 => true,
                _ when next[0] == 1 => true,
                _ when next[0] == 5 => (next.Length < 2 || next[1] <= 8) && (next.Length < 3 || next[2] == 0) && (next.Length < 4 || next[3] is 1 or 3 or 4),
                _ => false,
            };
            return ok ? ProbeResult.Matched(Confidence.Low, "socks5.method_selection") : ProbeResult.NoMatch;
        }

        if (data[0] == 0 && clientVersion is 0 or 4)
        {
            if (data.Length < 2)
            {
                return ProbeResult.NeedMore;
            }

            if (data[1] is < 0x5A or > 0x5D)
            {
                return ProbeResult.NoMatch;
            }

            return data.Length < 8 ? ProbeResult.NeedMore : ProbeResult.Matched(Confidence.Low, "socks4.reply");
        }

        return ProbeResult.NoMatch;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as SocksMetadata ?? new SocksMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
