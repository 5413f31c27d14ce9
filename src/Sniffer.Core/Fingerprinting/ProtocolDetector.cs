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
    private readonly ulong _tcpCandidates;
    private readonly ulong _udpCandidates;
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
        for (int i = 0; i < _registry.Length; i++)
        {
            if (_registry[i].Tcp)
            {
                _tcpCandidates |= 1UL << i;
            }

            if (_registry[i].Udp)
            {
                _udpCandidates |= 1UL << i;
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
                clientComplete, serverComplete, streams.Client.HasGap, streams.Server.HasGap);

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

            int best = -1;
            bool othersWaiting = false;
            ProbeResult bestResult = default;
            ulong candidates = flow.Candidates;
            while (candidates != 0)
            {
                int i = System.Numerics.BitOperations.TrailingZeroCount(candidates);
                candidates &= candidates - 1;
                var result = SafeProbe(_registry[i].Fingerprinter, context);
                switch (result.Status)
                {
                    case ProbeStatus.NoMatch:
                        flow.Candidates &= ~(1UL << i);
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
        if (SafeExtract(fingerprinter, context, ref flow.Metadata) || (clientComplete && serverComplete))
        {
            flow.State = DetectionState.Done;
            flow.ReleaseBuffers();
        }

        return justIdentified;
    }

    // Last line of defence: a fingerprinter bug on hostile bytes must cost that fingerprinter's answer, not the
    // sensor. Fingerprinters never throw by design (fuzzed, swept in tests); a throw is counted as a named anomaly.
    private ProbeResult SafeProbe(IFingerprinter fingerprinter, in InspectionContext context)
    {
        try
        {
            return fingerprinter.Probe(context);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException or FormatException)
        {
            _anomalies?.Increment(Decoding.Anomaly.FingerprinterFault);
            return ProbeResult.NoMatch;
        }
    }

    private bool SafeExtract(IFingerprinter fingerprinter, in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        try
        {
            return fingerprinter.Extract(context, ref metadata);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException or FormatException)
        {
            _anomalies?.Increment(Decoding.Anomaly.FingerprinterFault);
            return true; // keep what was extracted; ask no more
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
