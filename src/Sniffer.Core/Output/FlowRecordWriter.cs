using System.Text.Encodings.Web;
using System.Text.Json;
using Sniffer.Decoding;
using Sniffer.Fingerprinting;
using Sniffer.Flows;

namespace Sniffer.Output;

/// <summary>
/// Writes flow records as NDJSON (one object per line) with one long-lived Utf8JsonWriter, pre-encoded property
/// names, and the relaxed encoder (readable text; control characters, invalid UTF-8 and quotes still escaped).
/// The fixed parts of a record (timestamp, event, endpoints, network, the flow's own <c>sniffer.*</c> fields) are
/// formatted as raw runs (<see cref="RawJson"/>) and handed over in one call each; repeated string values come
/// pre-encoded from <see cref="JsonStringCache"/>. Field meanings are documented in docs/schema.md.
/// </summary>
public sealed class FlowRecordWriter : IDisposable
{
    /// <summary>
    /// The record writer's options. Whatever pre-renders JSON that is spliced into a record (cached properties,
    /// TLS fragments) writes with these, so its escaping is the record's own.
    /// </summary>
    internal static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        // The record's structure is fixed and covered by tests; skipping the writer's nesting checks saves work on
        // every property. Values are still escaped. The raw runs (RawJson, JsonRun, JsonStringCache) need it: a run of
        // properties is written where the writer, validating, would expect one property name.
        SkipValidation = true,
    };

    private static readonly JsonEncodedText Network = JsonEncodedText.Encode("network");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Protocol = JsonEncodedText.Encode("protocol");
    private static readonly JsonEncodedText Sniffer = JsonEncodedText.Encode("sniffer");
    private static readonly JsonEncodedText Bytes = JsonEncodedText.Encode("bytes");
    private static readonly JsonEncodedText Packets = JsonEncodedText.Encode("packets");
    private static readonly JsonEncodedText Transport = JsonEncodedText.Encode("transport");
    private static readonly JsonEncodedText Tcp = JsonEncodedText.Encode("tcp");
    private static readonly JsonEncodedText Udp = JsonEncodedText.Encode("udp");
    private static readonly JsonEncodedText Ipv4 = JsonEncodedText.Encode("ipv4");
    private static readonly JsonEncodedText Ipv6 = JsonEncodedText.Encode("ipv6");
    private static readonly JsonEncodedText IanaNumber = JsonEncodedText.Encode("iana_number");
    private static readonly JsonEncodedText CommunityIdName = JsonEncodedText.Encode("community_id");
    private static readonly JsonEncodedText Vlan = JsonEncodedText.Encode("vlan");
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText ConfidenceName = JsonEncodedText.Encode("confidence");
    private static readonly JsonEncodedText Evidence = JsonEncodedText.Encode("evidence");
    private static readonly JsonEncodedText Application = JsonEncodedText.Encode("application");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText PortRegistration = JsonEncodedText.Encode("port_registration");
    private static readonly JsonEncodedText Inner = JsonEncodedText.Encode("inner");

    private static readonly JsonEncodedText IanaTcp = JsonEncodedText.Encode("6");
    private static readonly JsonEncodedText IanaUdp = JsonEncodedText.Encode("17");

    private readonly Utf8JsonWriter _json;
    private readonly ProtocolDetector _detector;
    /// <summary>Protocol names, evidence and port registrations, pre-encoded once.</summary>
    private readonly EncodedTextCache _texts = new();
    /// <summary>Endpoint addresses, formatted once.</summary>
    private readonly AddressTextCache _addresses = new();

    public FlowRecordWriter(System.Buffers.IBufferWriter<byte> output, ProtocolDetector detector)
    {
        _json = new Utf8JsonWriter(output, Options);
        _detector = detector;
        Output = output;
    }

    public System.Buffers.IBufferWriter<byte> Output { get; }

    /// <summary>The sensor's <c>observer</c> object, copied into every record; null: none.</summary>
    public Delivery.ObserverFields? Observer { get; init; }

    public long RecordsWritten { get; private set; }

    /// <summary>Writes one flow record (<c>flow_end</c> or <c>protocol_detected</c>) and its newline.</summary>
    public void Write(Flow flow, bool isEnd, FlowEndReason reason, long nowNs)
    {
        var w = _json;
        w.Reset(Output);
        Span<byte> scratch = stackalloc byte[64];

        long recordTime = isEnd ? flow.LastNs : Math.Max(nowNs, flow.FirstNs);

        // The record's opening brace, timestamp, event and both endpoints: fixed names, numbers, times and
        // addresses, one raw value at the root (the writer's closing WriteEndObject pairs with the brace).
        Span<byte> raw = stackalloc byte[RawBufferBytes];
        var r = new RawJson(raw);
        r.Append("{\"@timestamp\":\""u8);
        r.AppendTime(recordTime);
        r.Append((byte)'"');
        r.Property("\"event\":"u8);
        AppendEvent(ref r, flow, isEnd);
        r.Property("\"source\":"u8);
        AppendEndpoint(ref r, flow.ClientIp, flow.ClientPort, flow.ClientBytes, flow.ClientPackets);
        r.Property("\"destination\":"u8);
        AppendEndpoint(ref r, flow.ServerIp, flow.ServerPort, flow.ServerBytes, flow.ServerPackets);
        if (Observer is { } observer)
        {
            r.WriteTo(w);
            observer.Write(w);
        }

        // Without an observer, the network object joins the same run.

        var protocol = _texts.Get(_detector.ProtocolName(flow)).EncodedUtf8Bytes;
        if (protocol.Length > MaxRawText)
        {
            r.WriteTo(w);
            WriteNetwork(w, flow, scratch);
        }
        else
        {
            r.Property("\"network\":{\"transport\":"u8);
            r.Append(flow.Transport == Fingerprinting.Transport.Tcp ? "\"tcp\""u8 : "\"udp\""u8);
            r.Append(flow.Key.A.IsV6 ? ",\"type\":\"ipv6\""u8 : ",\"type\":\"ipv4\""u8);
            r.Append(flow.Transport == Fingerprinting.Transport.Tcp ? ",\"iana_number\":\"6\""u8 : ",\"iana_number\":\"17\""u8);
            r.Append(",\"protocol\":"u8);
            r.AppendQuoted(protocol);
            r.Append(",\"community_id\":"u8);
            // "1:" and base64: nothing to escape.
            r.AppendQuoted(scratch[..CommunityId.Of(flow, scratch)]);
            r.Append(",\"bytes\":"u8);
            r.Append(flow.TotalBytes);
            r.Append(",\"packets\":"u8);
            r.Append(flow.TotalPackets);
            if (flow.VlanId != 0)
            {
                r.Append(",\"vlan\":{\"id\":\""u8);
                r.Append(flow.VlanId);
                r.Append("\"}"u8);
            }

            r.Append((byte)'}');
            r.WriteTo(w);
        }

        long beforeEcs = w.BytesCommitted + w.BytesPending;
        flow.Metadata?.WriteEcs(w);
        var inner = flow.Metadata?.Inner is { Metadata: not null } i ? i : null;
        // TLS inside writes only tls.*, which no outer protocol writes; another inner protocol's ECS fields only
        // when the outer wrote none (no key may appear twice).
        bool innerEcs = inner is not null && (inner.Name is "tls" or "dtls" || w.BytesCommitted + w.BytesPending == beforeEcs);
        if (innerEcs)
        {
            inner!.Metadata!.WriteEcs(w);
        }
        // Process attribution: one snapshot of "done" per record, so process.* and sniffer.process_lookup agree.
        var processLookup = flow.ProcessLookup;
        bool processLookupDone = processLookup?.IsDone ?? false;
        processLookup?.WriteEcs(w, processLookupDone);

        w.WriteStartObject(Sniffer);
        // The fixed part of sniffer.*: pre-encoded names and values, one raw run.
        if (isEnd)
        {
            r.Property("\"end_reason\":"u8);
            r.AppendQuoted(ReasonText(reason));
        }

        var registration = _detector.Registration(flow);
        if (registration is not null)
        {
            r.Property("\"confidence\":"u8);
            r.AppendQuoted(ConfidenceJson(flow.Confidence));
            if (flow.Evidence is null)
            {
                r.Property("\"evidence\":null"u8);
            }
            else
            {
                var evidence = _texts.Get(flow.Evidence);
                if (evidence.EncodedUtf8Bytes.Length <= MaxRawText)
                {
                    r.Property("\"evidence\":"u8);
                    r.AppendQuoted(evidence);
                }
                else
                {
                    r.WriteTo(w);
                    w.WriteString(Evidence, evidence);
                }
            }

            r.Property("\"off_port\":"u8);
            r.Append(Array.IndexOf(registration.StandardPorts, flow.ServerPort) < 0);
        }

        string? registered = PortRegistry.IanaServiceName(flow.ServerPort);
        if (registered is not null)
        {
            var text = _texts.Get(registered);
            if (text.EncodedUtf8Bytes.Length <= MaxRawText)
            {
                r.Property("\"port_registration\":"u8);
                r.AppendQuoted(text);
            }
            else
            {
                r.WriteTo(w);
                w.WriteString(PortRegistration, text);
            }
        }

        if (flow.Transport == Fingerprinting.Transport.Tcp)
        {
            r.Property("\"midstream\":"u8);
            r.Append(flow.Midstream);
            r.Property("\"tcp_flags\":{\"client\":"u8);
            r.AppendQuoted(scratch[..FormatFlags(flow.ClientFlags, scratch)]);
            r.Append(",\"server\":"u8);
            r.AppendQuoted(scratch[..FormatFlags(flow.ServerFlags, scratch)]);
            r.Append((byte)'}');
        }

        if (flow.Tunnel != TunnelType.None)
        {
            r.Property("\"tunnel\":{\"type\":"u8);
            r.AppendQuoted(_texts.Get(TunnelNames.Name(flow.Tunnel)));
            if (flow.TunnelId != 0)
            {
                r.Append(",\"id\":"u8);
                r.Append(flow.TunnelId);
            }

            r.Append((byte)'}');
        }

        if (flow.ClientSpokeFirst is bool clientFirst)
        {
            r.Property(clientFirst ? "\"first_speaker\":\"client\""u8 : "\"first_speaker\":\"server\""u8);
        }

        r.WriteTo(w);
        AnomalyField.Write(w, flow.Anomalies);

        if (flow.Metadata is { ApplicationName: not null } meta)
        {
            w.WriteStartObject(Application);
            JsonStringCache.WriteString(w, Name, meta.ApplicationName);
            if (meta.ApplicationVersion is not null)
            {
                JsonStringCache.WriteString(w, Version, meta.ApplicationVersion);
            }

            w.WriteEndObject();
        }

        flow.Metadata?.WriteSniffer(w);
        if (flow.Metadata?.Inner is { Name: not null } found)
        {
            WriteInner(w, found);
        }

        // Unidentified: the detector's final look (ProtocolDetector.Inspect with final: true, before every
        // flow_end) always leaves a profile saying what the flow looks like.
        flow.Unknown?.Write(w, flow.FirstPayloadSizes);
        processLookup?.WriteSniffer(w, processLookupDone);

        w.WriteEndObject();

        EndRecord(w, Output);
        RecordsWritten++;
    }

    /// <summary>
    /// Closes a record's top-level object and ends its NDJSON line: every record kind (flows, port summaries, stats)
    /// finishes this way, so a line is written whole or not at all by the chunked output behind it.
    /// </summary>
    internal static void EndRecord(Utf8JsonWriter w, System.Buffers.IBufferWriter<byte> output)
    {
        w.WriteEndObject();
        w.Flush();
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
    }

    public void Dispose() => _json.Dispose();

    /// <summary><c>sniffer.inner.*</c>, then the inner protocol's own <c>sniffer.*</c> fields.</summary>
    private static void WriteInner(Utf8JsonWriter w, InnerProtocol inner)
    {
        if (inner.Kind == InnerKind.Switched)
        {
            // The flow is named after it (network.protocol); only its own fields are added.
            inner.Metadata?.WriteSniffer(w);
            return;
        }

        w.WriteStartObject(Inner);
        w.WriteString(Protocol, inner.Name);
        w.WriteString(ConfidenceName, ConfidenceText(inner.Confidence));
        w.WriteString(Evidence, inner.Evidence);
        if (inner.Metadata is { ApplicationName: not null } meta)
        {
            w.WriteStartObject(Application);
            w.WriteString(Name, meta.ApplicationName);
            if (meta.ApplicationVersion is not null)
            {
                w.WriteString(Version, meta.ApplicationVersion);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
        inner.Metadata?.WriteSniffer(w);
    }

    /// <summary>
    /// Room for the raw runs of a record: the longest, opening brace to network (IPv6, 19-digit counters, a protocol
    /// name of <see cref="MaxRawText"/> bytes), is under 1,000 bytes.
    /// </summary>
    private const int RawBufferBytes = 1536;

    /// <summary>Longer encoded names (protocol, evidence, port registration) are written by the writer itself.</summary>
    private const int MaxRawText = 128;

    // {"ip":"…","port":N,"bytes":N,"packets":N}: addresses and numbers are plain ASCII.
    private void AppendEndpoint(ref RawJson r, IpAddr ip, ushort port, long bytes, long packets)
    {
        r.Append("{\"ip\":\""u8);
        r.Append(_addresses.Get(ip));
        r.Append("\",\"port\":"u8);
        r.Append(port);
        r.Append(",\"bytes\":"u8);
        r.Append(bytes);
        r.Append(",\"packets\":"u8);
        r.Append(packets);
        r.Append((byte)'}');
    }

    // The event object: fixed text but for the times.
    private static void AppendEvent(ref RawJson r, Flow flow, bool isEnd)
    {
        r.Append(isEnd
            ? "{\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\",\"end\"],\"action\":\"flow_end\",\"module\":\"sniffer\",\"dataset\":\"sniffer.flow\",\"start\":\""u8
            : "{\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\",\"protocol\"],\"action\":\"protocol_detected\",\"module\":\"sniffer\",\"dataset\":\"sniffer.flow\",\"start\":\""u8);
        r.AppendTime(flow.FirstNs);
        if (isEnd)
        {
            r.Append("\",\"end\":\""u8);
            r.AppendTime(flow.LastNs);
            r.Append("\",\"duration\":"u8);
            r.Append(Math.Max(0, flow.LastNs - flow.FirstNs));
            r.Append((byte)'}');
        }
        else
        {
            r.Append("\"}"u8);
        }
    }

    /// <summary>The <c>network</c> object through the writer (a protocol name too long for the raw run).</summary>
    private void WriteNetwork(Utf8JsonWriter w, Flow flow, Span<byte> scratch)
    {
        w.WriteStartObject(Network);
        w.WriteString(Transport, flow.Transport == Fingerprinting.Transport.Tcp ? Tcp : Udp);
        w.WriteString(Type, flow.Key.A.IsV6 ? Ipv6 : Ipv4);
        w.WriteString(IanaNumber, flow.Transport == Fingerprinting.Transport.Tcp ? IanaTcp : IanaUdp);
        w.WriteString(Protocol, _texts.Get(_detector.ProtocolName(flow)));
        int n = CommunityId.Of(flow, scratch);
        w.WriteString(CommunityIdName, scratch[..n]);
        w.WriteNumber(Bytes, flow.TotalBytes);
        w.WriteNumber(Packets, flow.TotalPackets);
        if (flow.VlanId != 0)
        {
            w.WriteStartObject(Vlan);
            flow.VlanId.TryFormat(scratch, out n);
            w.WriteString(Id, scratch[..n]);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    /// <summary>tcpdump-style letters for the flags seen: F S R P A U E C.</summary>
    public static int FormatFlags(TcpFlags flags, Span<byte> destination)
    {
        int n = 0;
        ReadOnlySpan<byte> letters = "FSRPAUEC"u8;
        for (int bit = 0; bit < 8; bit++)
        {
            if (((int)flags & (1 << bit)) != 0)
            {
                destination[n++] = letters[bit];
            }
        }

        return n;
    }

    public static string ReasonName(FlowEndReason reason) => reason switch
    {
        FlowEndReason.Fin => "fin",
        FlowEndReason.Rst => "rst",
        FlowEndReason.IdleTimeout => "idle_timeout",
        FlowEndReason.EndOfInput => "end_of_input",
        FlowEndReason.Shutdown => "shutdown",
        FlowEndReason.Evicted => "evicted",
        _ => "unknown",
    };

    private static readonly JsonEncodedText[] ReasonTexts =
        [.. Enumerable.Range(0, (int)FlowEndReason.Evicted + 1).Select(r => JsonEncodedText.Encode(ReasonName((FlowEndReason)r)))];

    private static JsonEncodedText ReasonText(FlowEndReason reason) =>
        (uint)reason < (uint)ReasonTexts.Length ? ReasonTexts[(int)reason] : JsonEncodedText.Encode(ReasonName(reason));

    private static readonly JsonEncodedText[] ConfidenceTexts =
        [.. Enumerable.Range(0, (int)Confidence.High + 1).Select(c => JsonEncodedText.Encode(ConfidenceText((Confidence)c)))];

    private static JsonEncodedText ConfidenceJson(Confidence c) =>
        (uint)c < (uint)ConfidenceTexts.Length ? ConfidenceTexts[(int)c] : JsonEncodedText.Encode(ConfidenceText(c));

    public static string ConfidenceText(Confidence c) => c switch
    {
        Confidence.High => "high",
        Confidence.Medium => "medium",
        Confidence.Low => "low",
        _ => "none",
    };
}
