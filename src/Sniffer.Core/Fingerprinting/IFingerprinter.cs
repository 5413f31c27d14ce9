using System.Text.Json;

namespace Sniffer.Fingerprinting;

/// <summary>Result of looking at a flow's first bytes (Suricata's probing-parser answer).</summary>
public enum ProbeStatus : byte
{
    /// <summary>The bytes cannot be this protocol; never ask again for this flow.</summary>
    NoMatch = 0,
    /// <summary>Not enough bytes yet to decide; ask again when more arrive.</summary>
    NeedMoreData = 1,
    /// <summary>The bytes are this protocol.</summary>
    Match = 2,
}

/// <summary>How sure an identification is. Documented in docs/schema.md (<c>sniffer.confidence</c>).</summary>
public enum Confidence : byte
{
    None = 0,
    /// <summary>A weak shape match (a few bytes that many protocols could produce).</summary>
    Low = 1,
    /// <summary>A structural match of one message (e.g. a well-formed request line).</summary>
    Medium = 2,
    /// <summary>A complete, validated message or a match confirmed by both directions.</summary>
    High = 3,
}

public enum Transport : byte
{
    Tcp = 6,
    Udp = 17,
}

/// <summary>Outcome of a probe: status, and when matched, how sure and why.</summary>
public readonly struct ProbeResult
{
    public ProbeResult(ProbeStatus status, Confidence confidence = Confidence.None, string? evidence = null)
    {
        Status = status;
        Confidence = confidence;
        Evidence = evidence;
    }

    public ProbeStatus Status { get; }
    public Confidence Confidence { get; }
    /// <summary>What matched, e.g. "tls.client_hello" (a static literal: no allocation).</summary>
    public string? Evidence { get; }

    public static ProbeResult NoMatch => default;
    public static ProbeResult NeedMore => new(ProbeStatus.NeedMoreData);
    public static ProbeResult Matched(Confidence confidence, string evidence) => new(ProbeStatus.Match, confidence, evidence);
}

/// <summary>
/// What a fingerprinter sees of a flow: the first in-order payload bytes of each direction (bounded by the
/// inspection window), oriented client → server and server → client. For UDP each side holds the first datagram
/// of that direction. The view is re-created each time new bytes arrive; fingerprinters keep no per-flow state
/// of their own, so the same bytes split into any number of segments give the same answer.
/// </summary>
public readonly ref struct InspectionContext
{
    public InspectionContext(Transport transport, ReadOnlySpan<byte> client, ReadOnlySpan<byte> server,
        bool clientComplete, bool serverComplete, bool clientGap = false, bool serverGap = false)
    {
        Transport = transport;
        Client = client;
        Server = server;
        ClientComplete = clientComplete || clientGap;
        ServerComplete = serverComplete || serverGap;
        ClientGap = clientGap;
        ServerGap = serverGap;
    }

    public Transport Transport { get; }
    /// <summary>Client → server bytes seen so far (in order, no gaps).</summary>
    public ReadOnlySpan<byte> Client { get; }
    /// <summary>Server → client bytes seen so far (in order, no gaps).</summary>
    public ReadOnlySpan<byte> Server { get; }
    /// <summary>No more client bytes will come (window full, gap, FIN, or flow end).</summary>
    public bool ClientComplete { get; }
    /// <summary>No more server bytes will come (window full, gap, FIN, or flow end).</summary>
    public bool ServerComplete { get; }
    /// <summary>Client bytes were lost after <see cref="Client"/> (a hole the peer acknowledged): the stream stops
    /// there rather than splicing unrelated bytes together.</summary>
    public bool ClientGap { get; }
    /// <summary>Server bytes were lost after <see cref="Server"/>.</summary>
    public bool ServerGap { get; }

    /// <summary>
    /// UDP only: the first bytes (at most <see cref="Flows.DatagramHead.Length"/>) of the client's second datagram,
    /// empty until it arrives. Lets a weak one-datagram shape be confirmed by its continuation (RTP sequence).
    /// </summary>
    public ReadOnlySpan<byte> ClientNext { get; init; }

    /// <summary>UDP only: the first bytes of the server's second datagram.</summary>
    public ReadOnlySpan<byte> ServerNext { get; init; }
}

/// <summary>
/// Protocol metadata found in a flow, written into the NDJSON record. ECS fields go at the top level
/// (<see cref="WriteEcs"/>), everything ECS lacks goes inside the record's <c>sniffer</c> object
/// (<see cref="WriteSniffer"/>).
/// </summary>
public abstract class ProtocolMetadata
{
    /// <summary>Product behind the protocol (e.g. "OpenSSH", "nginx", "curl"), when a banner or header reveals it.</summary>
    public string? ApplicationName { get; protected set; }
    public string? ApplicationVersion { get; protected set; }

    /// <summary>
    /// Set when the conversation switched to another protocol that the record should name instead (an HTTP
    /// Upgrade to <c>websocket</c> or <c>http2</c> answered with 101). Null keeps the fingerprinter's name.
    /// </summary>
    public string? SwitchedProtocol { get; protected set; }

    /// <summary>
    /// Where a protocol carried inside this one begins (STARTTLS, PostgreSQL SSLRequest, RDP over TLS, a SOCKS
    /// tunnel). Called on the growing bytes of both directions while the flow is inspected; protocols that cannot
    /// carry another keep the default.
    /// </summary>
    public virtual InnerStart FindInner(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server) => InnerStart.None;

    /// <summary>The protocol found inside this one (set by <see cref="ProtocolDetector"/>), or null.</summary>
    public InnerProtocol? Inner { get; internal set; }

    /// <summary>
    /// True for UDP protocols that share their 5-tuple with DTLS (RFC 7983 demultiplexing: STUN/ICE): later
    /// datagrams are watched for a DTLS handshake, which then names the flow.
    /// </summary>
    public virtual bool MultiplexesDtls => false;

    internal void SwitchTo(string protocol) => SwitchedProtocol = protocol;

    /// <summary>
    /// UDP: true while this protocol wants the datagrams after the first of each direction (a QUIC ClientHello
    /// spread over several Initial packets). Bounded by the detector (4 × <c>--inspect-packets</c> datagrams).
    /// </summary>
    public virtual bool WantsLaterDatagrams => false;

    /// <summary>One such later datagram.</summary>
    public virtual void OnLaterDatagram(ReadOnlySpan<byte> datagram, bool fromClient)
    {
    }

    /// <summary>
    /// The flow's Community ID as the first record wrote it (<c>protocol_detected</c>), reused by its
    /// <c>flow_end</c>: the 5-tuple never changes. Kept here, not in the flow, because only identified flows —
    /// the ones with metadata — are written twice.
    /// </summary>
    internal Flows.CommunityIdText CommunityId;

    /// <summary>Writes top-level ECS properties (e.g. <c>"tls": {...}</c>, <c>"url": {...}</c>).</summary>
    public abstract void WriteEcs(Utf8JsonWriter writer);

    /// <summary>Writes properties inside the record's <c>sniffer</c> object (e.g. <c>"ssh": {...}</c>).</summary>
    public virtual void WriteSniffer(Utf8JsonWriter writer)
    {
    }

    /// <summary>Adds this flow's fingerprints as "kind:value" (e.g. "ja4:t13d...", "hassh:...") for the port summary.</summary>
    public virtual void CollectFingerprints(ICollection<string> fingerprints)
    {
    }
}

/// <summary>
/// One protocol's identification logic. Looks at payload only — never at ports. Implementations are stateless
/// singletons registered in <see cref="FingerprinterRegistry"/>.
/// </summary>
public interface IFingerprinter
{
    /// <summary>Canonical lowercase protocol name written to <c>network.protocol</c>.</summary>
    string Name { get; }

    /// <summary>Decide whether the flow's bytes are this protocol.</summary>
    ProbeResult Probe(in InspectionContext context);

    /// <summary>
    /// The first bytes <see cref="Probe"/> can accept per direction on <paramref name="transport"/>, for the
    /// detector's prefilter: a declaration must be exactly as strict as Probe (see <see cref="FirstBytes"/>).
    /// Default: no restriction.
    /// </summary>
    FirstBytes AcceptedFirstBytes(Transport transport) => FirstBytes.Any;

    /// <summary>
    /// After a match: parse the metadata available in the bytes seen so far into <paramref name="metadata"/>
    /// (created on first call). Returns true when nothing more is wanted from this flow.
    /// </summary>
    bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata);
}
