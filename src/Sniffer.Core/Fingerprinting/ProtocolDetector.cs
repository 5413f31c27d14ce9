using Sniffer.Flows;

namespace Sniffer.Fingerprinting;

/// <summary>
/// Drives identification for a flow: offers the in-order bytes of both directions to every fingerprinter that
/// has not yet said no, picks the best match, then lets the winner extract its metadata. Bounded by
/// <see cref="InspectionLimits"/>: when the limits are reached with no match, the flow is <c>unknown</c>.
/// </summary>
public sealed class ProtocolDetector
{
    private readonly FingerprinterRegistration[] _registry;
    /// <summary>
    /// Each fingerprinter's Probe as a delegate bound to its class's method: all probes go through one call site,
    /// where an interface call would search a dispatch cache of ~50 types on every call.
    /// </summary>
    private readonly ProbeFunction[] _probes;
    /// <summary>Which fingerprinters a side's first byte leaves in the running (their declared <see cref="FirstBytes"/>).</summary>
    private readonly FirstByteMasks _firstBytes;
    private readonly ulong _tcpCandidates;
    private readonly ulong _udpCandidates;
    /// <summary>The fingerprinters asked when an outer protocol announces TLS inside (tls, and dtls over UDP).</summary>
    private readonly ulong _tlsCandidates;
    private readonly int _dtlsIndex = -1;
    private readonly InspectionLimits _limits;

    private readonly Decoding.AnomalyCounters? _anomalies;

    public ProtocolDetector(InspectionLimits limits, FingerprinterRegistration[]? registry = null, Decoding.AnomalyCounters? anomalies = null)
    {
        _anomalies = anomalies;
        _registry = registry ?? FingerprinterRegistry.All;
        if (_registry.Length > 64)
        {
            throw new ArgumentException("at most 64 fingerprinters", nameof(registry));
        }

        _limits = limits;
        _probes = new ProbeFunction[_registry.Length];
        _firstBytes = new FirstByteMasks(_registry);
        for (int i = 0; i < _registry.Length; i++)
        {
            _probes[i] = _registry[i].Fingerprinter.Probe;
            if (_registry[i].Tcp)
            {
                _tcpCandidates |= 1UL << i;
            }

            if (_registry[i].Udp)
            {
                _udpCandidates |= 1UL << i;
            }

            if (_registry[i].Fingerprinter.Name is "tls" or "dtls")
            {
                _tlsCandidates |= 1UL << i;
            }

            if (_registry[i].Fingerprinter.Name == "dtls")
            {
                _dtlsIndex = i;
            }
        }
    }

    public InspectionLimits Limits => _limits;

    public IReadOnlyList<FingerprinterRegistration> Registry => _registry;

    public void Begin(Flow flow)
    {
        flow.State = DetectionState.Inspecting;
        flow.Candidates = flow.Transport == Transport.Tcp ? _tcpCandidates : _udpCandidates;
    }

    /// <summary>Name for <c>network.protocol</c>.</summary>
    public string ProtocolName(Flow flow) =>
        flow.ProtocolIndex < 0 ? "unknown" : flow.Metadata?.SwitchedProtocol ?? _registry[flow.ProtocolIndex].Fingerprinter.Name;

    public FingerprinterRegistration? Registration(Flow flow) =>
        flow.ProtocolIndex >= 0 ? _registry[flow.ProtocolIndex] : null;

    /// <summary>
    /// Runs identification on what the flow's streams hold now. Returns true when the flow was just identified
    /// (its first metadata extracted) so the caller can write a <c>protocol_detected</c> record.
    /// </summary>
    public bool Inspect(Flow flow, bool final = false)
    {
        if (flow.State is DetectionState.Done or DetectionState.Unknown)
        {
            return false;
        }

        var streams = flow.Streams;
        bool clientComplete = final || (streams?.Client.IsComplete ?? false);
        bool serverComplete = final || (streams?.Server.IsComplete ?? false);
        int packetLimit = flow.State == DetectionState.Inspecting ? _limits.MaxPackets : _limits.MaxPackets * InspectionLimits.ExtractionPacketFactor;
        if (flow.PayloadPackets >= packetLimit)
        {
            clientComplete = serverComplete = true;
        }

        var context = streams is null
            ? new InspectionContext(flow.Transport, default, default, clientComplete, serverComplete)
            : new InspectionContext(flow.Transport, streams.Client.Contiguous, streams.Server.Contiguous,
                clientComplete, serverComplete, streams.Client.HasGap, streams.Server.HasGap)
            {
                ClientNext = streams.ClientNext,
                ServerNext = streams.ServerNext,
            };

        bool justIdentified = false;
        if (flow.State == DetectionState.Inspecting)
        {
            if (context.Client.IsEmpty && context.Server.IsEmpty)
            {
                if (clientComplete && serverComplete)
                {
                    SetUnknown(flow);
                }

                return false;
            }

            int best = ProbeCandidates(ref flow.Candidates, context, out var bestResult, out bool othersWaiting);

            // A weak (Low) shape must not pre-empt a protocol that is still reading its first message.
            if (best >= 0 && bestResult.Confidence == Confidence.Low && othersWaiting && !(clientComplete && serverComplete))
            {
                return false;
            }

            if (best < 0)
            {
                if (flow.Candidates == 0 || (clientComplete && serverComplete))
                {
                    SetUnknown(flow);
                }

                return false;
            }

            flow.ProtocolIndex = best;
            flow.Confidence = bestResult.Confidence;
            flow.Evidence = bestResult.Evidence;
            flow.State = DetectionState.Extracting;
            justIdentified = true;
        }

        var fingerprinter = _registry[flow.ProtocolIndex].Fingerprinter;
        bool outerDone = SafeExtract(fingerprinter, context, ref flow.Metadata);
        bool innerDone = flow.Metadata is null || InspectInner(flow, flow.Metadata, context);
        if ((outerDone && innerDone) || (clientComplete && serverComplete))
        {
            flow.State = DetectionState.Done;
            flow.ReleaseBuffers();
        }

        // What this look raised (a value cut, a fingerprinter fault) belongs to this flow, and its
        // protocol_detected record may be written next.
        if (_anomalies is not null)
        {
            flow.Anomalies |= _anomalies.TakeRaised() & Decoding.AnomalyCounters.FlowScoped;
        }

        return justIdentified;
    }

    /// <summary>
    /// Asks every candidate fingerprinter; drops those that say no from <paramref name="candidates"/>. Returns the
    /// index of the most confident match (or −1) and whether any candidate still waits for more bytes. Candidates
    /// whose declared first bytes exclude a side's first byte are dropped unasked: their Probe would say no.
    /// </summary>
    private int ProbeCandidates(ref ulong candidates, in InspectionContext context, out ProbeResult bestResult, out bool othersWaiting)
    {
        int best = -1;
        othersWaiting = false;
        bestResult = default;
        candidates &= _firstBytes.Allowed(context);
        ulong pending = candidates;
        while (pending != 0)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(pending);
            pending &= pending - 1;
            var result = SafeProbe(_probes[i], context);
            switch (result.Status)
            {
                case ProbeStatus.NoMatch:
                    candidates &= ~(1UL << i);
                    break;
                case ProbeStatus.Match when best < 0 || result.Confidence > bestResult.Confidence:
                    best = i;
                    bestResult = result;
                    break;
                case ProbeStatus.NeedMoreData:
                    othersWaiting = true;
                    break;
            }
        }

        return best;
    }

    /// <summary>
    /// One round of probing, as <see cref="Inspect"/> does it, on bytes given directly: tests check that the
    /// first-byte prefilter leaves every answer, and the set of remaining candidates, as the probes alone give them.
    /// </summary>
    internal int ProbeOnce(in InspectionContext context, ref ulong candidates, out ProbeResult bestResult, out bool othersWaiting) =>
        ProbeCandidates(ref candidates, context, out bestResult, out othersWaiting);

    /// <summary>The candidates a new flow of <paramref name="transport"/> starts with.</summary>
    internal ulong InitialCandidates(Transport transport) => transport == Transport.Tcp ? _tcpCandidates : _udpCandidates;

    /// <summary><c>network.protocol</c>'s inner protocol name, or null.</summary>
    public string? InnerProtocolName(Flow flow) => flow.Metadata?.Inner is { Name: { } name } ? name : null;

    /// <summary>
    /// Identifies and extracts the protocol that runs inside the outer one once the outer says where it begins.
    /// Returns true when there is nothing (more) to do for it.
    /// </summary>
    private bool InspectInner(Flow flow, ProtocolMetadata outer, in InspectionContext context)
    {
        var inner = outer.Inner;
        if (inner is { Done: true } or { Kind: InnerKind.Switched })
        {
            return true;
        }

        if (inner is null || inner.ClientOffset < 0 || inner.ServerOffset < 0)
        {
            var start = outer.FindInner(context.Client, context.Server);
            if (start.Kind == InnerKind.None)
            {
                // Not announced, or withdrawn (the switch was refused): nothing to wait for.
                if (inner is not null)
                {
                    inner.Done = true;
                }

                return true;
            }

            if (inner is null)
            {
                ulong all = flow.Transport == Transport.Tcp ? _tcpCandidates : _udpCandidates;
                inner = new InnerProtocol
                {
                    Kind = start.Kind,
                    Candidates = start.Kind == InnerKind.Tls ? _tlsCandidates & all : all & ~(1UL << flow.ProtocolIndex),
                };
                outer.Inner = inner;
            }

            if (inner.ClientOffset < 0)
            {
                inner.ClientOffset = start.Client;
            }

            if (inner.ServerOffset < 0)
            {
                inner.ServerOffset = start.Server;
            }
        }

        bool bothComplete = context.ClientComplete && context.ServerComplete;
        if (inner.ClientOffset < 0 && inner.ServerOffset < 0)
        {
            // Announced, not begun: wait (bounded by the inspection limits).
            inner.Done = bothComplete;
            return inner.Done;
        }

        var client = inner.ClientOffset >= 0 && inner.ClientOffset <= context.Client.Length ? context.Client[inner.ClientOffset..] : default;
        var server = inner.ServerOffset >= 0 && inner.ServerOffset <= context.Server.Length ? context.Server[inner.ServerOffset..] : default;
        var innerContext = new InspectionContext(context.Transport, client, server,
            context.ClientComplete, context.ServerComplete, context.ClientGap, context.ServerGap);
        if (inner.Index < 0)
        {
            int best = ProbeCandidates(ref inner.Candidates, innerContext, out var bestResult, out bool othersWaiting);

            if (best < 0 || (bestResult.Confidence == Confidence.Low && othersWaiting && !bothComplete))
            {
                inner.Done = best < 0 && (inner.Candidates == 0 || bothComplete);
                return inner.Done;
            }

            inner.Index = best;
            inner.Confidence = bestResult.Confidence;
            inner.Evidence = bestResult.Evidence;
            inner.Name = _registry[best].Fingerprinter.Name;
        }

        if (SafeExtract(_registry[inner.Index].Fingerprinter, innerContext, ref inner.MetadataSlot) || bothComplete)
        {
            inner.Done = true;
        }

        if (inner.MetadataSlot?.SwitchedProtocol is { } switched)
        {
            inner.Name = switched;
        }

        return inner.Done;
    }

    /// <summary>
    /// A datagram after the first of its direction, for a flow whose protocol multiplexes with DTLS (STUN): the
    /// start of a DTLS handshake (RFC 7983: first byte 20–63) switches the flow's name to <c>dtls</c> and its
    /// hellos give the TLS fields and fingerprints. Bounded by the caller (inspection packet limit).
    /// </summary>
    public void InspectLateDatagram(Flow flow, ReadOnlySpan<byte> payload, bool fromClient)
    {
        if (flow.Metadata is { WantsLaterDatagrams: true } wanting)
        {
            try
            {
                wanting.OnLaterDatagram(payload, fromClient);
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException or FormatException)
            {
                _anomalies?.Increment(Decoding.Anomaly.FingerprinterFault);
            }
        }

        if (_dtlsIndex < 0 || flow.Metadata is not { MultiplexesDtls: true } meta || meta.Inner is { Done: true }
            || payload.IsEmpty || payload[0] is < 20 or > 63)
        {
            return;
        }

        var dtls = _registry[_dtlsIndex].Fingerprinter;
        var context = fromClient
            ? new InspectionContext(Transport.Udp, payload, default, true, false)
            : new InspectionContext(Transport.Udp, default, payload, false, true);
        var inner = meta.Inner;
        if (inner is null)
        {
            var result = SafeProbe(_probes[_dtlsIndex], context);
            if (result.Status != ProbeStatus.Match)
            {
                return;
            }

            inner = new InnerProtocol
            {
                Kind = InnerKind.Switched,
                Index = _dtlsIndex,
                Name = dtls.Name,
                Confidence = result.Confidence,
                Evidence = result.Evidence,
            };
            meta.Inner = inner;
            meta.SwitchTo(dtls.Name);
        }

        if ((fromClient ? inner.ClientOffset : inner.ServerOffset) >= 0)
        {
            return; // this direction's hello was read already
        }

        SafeExtract(dtls, context, ref inner.MetadataSlot);
        if (fromClient)
        {
            inner.ClientOffset = 0;
        }
        else
        {
            inner.ServerOffset = 0;
        }

        inner.Done = inner.ClientOffset >= 0 && inner.ServerOffset >= 0;
    }

    // Last line of defence: a fingerprinter bug on hostile bytes must cost that fingerprinter's answer, not the
    // sensor. Fingerprinters never throw by design (fuzzed, swept in tests); a throw is counted as a named anomaly.
    private ProbeResult SafeProbe(ProbeFunction probe, in InspectionContext context)
    {
        try
        {
            return probe(context);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException or FormatException)
        {
            _anomalies?.Increment(Decoding.Anomaly.FingerprinterFault);
            return ProbeResult.NoMatch;
        }
    }

    private bool SafeExtract(IFingerprinter fingerprinter, in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        int truncations = WireText.Truncations;
        try
        {
            return fingerprinter.Extract(context, ref metadata);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException or FormatException)
        {
            _anomalies?.Increment(Decoding.Anomaly.FingerprinterFault);
            return true; // keep what was extracted; ask no more
        }
        finally
        {
            if (WireText.Truncations != truncations)
            {
                _anomalies?.Increment(Decoding.Anomaly.FieldTruncated); // a value longer than its field's limit was cut
            }
        }
    }

    private static void SetUnknown(Flow flow)
    {
        flow.State = DetectionState.Unknown;
        flow.Unknown = flow.Streams is { } s
            ? UnknownProfile.Create(s.Client.Contiguous, s.Server.Contiguous, flow.ClientSpokeFirst, flow.Transport, s.PayloadSizes)
            : UnknownProfile.Create(default, default, flow.ClientSpokeFirst, flow.Transport);
        flow.ReleaseBuffers();
    }
}

/// <summary>A fingerprinter's <see cref="IFingerprinter.Probe"/>, bound to its instance.</summary>
internal delegate ProbeResult ProbeFunction(in InspectionContext context);

/// <summary>How much of a flow identification may look at before answering <c>unknown</c> (documented in the README).</summary>
public sealed record InspectionLimits
{
    /// <summary>Default in-order bytes kept per direction for identification.</summary>
    public const int DefaultMaxBytesPerDirection = 8192;
    /// <summary>Default payload-carrying packets inspected per flow.</summary>
    public const int DefaultMaxPackets = 32;
    /// <summary>After a match, metadata extraction may look at this many times more packets (still within the byte window).</summary>
    public const int ExtractionPacketFactor = 4;

    public int MaxBytesPerDirection { get; init; } = DefaultMaxBytesPerDirection;
    public int MaxPackets { get; init; } = DefaultMaxPackets;
}
