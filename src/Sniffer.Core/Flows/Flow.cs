using Sniffer.Decoding;
using System.Runtime.CompilerServices;
using Sniffer.Fingerprinting;

namespace Sniffer.Flows;

/// <summary>Why a flow's record was written.</summary>
public enum FlowEndReason : byte
{
    None,
    Fin,
    Rst,
    IdleTimeout,
    EndOfInput,
    Shutdown,
    Evicted,
}

/// <summary>Where a flow stands in identification.</summary>
public enum DetectionState : byte
{
    /// <summary>Probing the fingerprinters with the first bytes.</summary>
    Inspecting,
    /// <summary>A protocol matched; extracting its metadata.</summary>
    Extracting,
    /// <summary>Identified and all wanted metadata extracted (or no more will come).</summary>
    Done,
    /// <summary>Nothing matched within the inspection limits.</summary>
    Unknown,
}

/// <summary>
/// One bidirectional conversation. Pooled (Microsoft.Extensions.ObjectPool) and reset between uses; linked into
/// the flow table's idle lists intrusively so expiry needs no allocation. Kept small (it is what every flow
/// costs while it lives, ≈ 200 bytes): the endpoints are the key's, oriented by <see cref="ClientIsA"/>; what only
/// identification needs (reassembly, payload sizes) lives in the pooled <see cref="FlowStreams"/> until the flow
/// is identified.
/// </summary>
public sealed class Flow
{
    public FlowKey Key;
    /// <summary>The client is the key's endpoint A (else B).</summary>
    public bool ClientIsA;
    public IpAddr ClientIp => ClientIsA ? Key.A : Key.B;
    public IpAddr ServerIp => ClientIsA ? Key.B : Key.A;
    public ushort ClientPort => ClientIsA ? Key.PortA : Key.PortB;
    public ushort ServerPort => ClientIsA ? Key.PortB : Key.PortA;
    public Transport Transport;
    public ushort VlanId => Key.VlanId;
    public TunnelType Tunnel;
    public uint TunnelId;

    public long FirstNs;
    public long LastNs;
    public long ClientBytes;
    public long ServerBytes;
    public long ClientPackets;
    public long ServerPackets;
    public TcpFlags ClientFlags;
    public TcpFlags ServerFlags;
    public bool SawSyn;
    public bool Midstream;
    public bool ClientFin;
    public bool ServerFin;
    public uint ClientFinSeq;
    public uint ServerFinSeq;
    public bool Closing;
    public FlowEndReason CloseReason;
    /// <summary>The record was written (RST, or FIN both ways and the last ACK); the entry only absorbs trailing
    /// packets (retransmitted FINs, RSTs) until the linger ends, so they do not make a new one-packet flow.</summary>
    public bool Ended;

    /// <summary>Reassembly state while the flow is inspected; null before the first payload and after identification.</summary>
    public FlowStreams? Streams;
    /// <summary>First sequence number of each direction from the SYN/SYN-ACK, kept until streams exist.</summary>
    public uint ClientIsn;
    public uint ServerIsn;
    public bool ClientIsnKnown;
    public bool ServerIsnKnown;
    public int PayloadPackets;

    public DetectionState State;
    public ulong Candidates;
    /// <summary>Flow-scoped anomalies seen on this flow, bit n = <see cref="Anomaly"/> n (<c>sniffer.anomalies</c>).</summary>
    public ulong Anomalies;
    public int ProtocolIndex = -1;
    public Confidence Confidence;
    public string? Evidence;
    public ProtocolMetadata? Metadata;
    public bool DetectedRecordWritten;
    /// <summary>Set when the flow stays unknown: what it looks like (with the sizes of its first payload packets).</summary>
    public UnknownProfile? Unknown;

    /// <summary>Direction of the first payload byte: true when the client spoke first.</summary>
    public bool? ClientSpokeFirst
    {
        get => _spokeFirst == 0 ? null : _spokeFirst == 1;
        set => _spokeFirst = value is null ? (byte)0 : value.Value ? (byte)1 : (byte)2;
    }
    /// <summary>The look-up of the local process(es) behind this flow (process attribution on, an endpoint local).</summary>
    public Attribution.ProcessLookup? ProcessLookup;

    // 0: nobody yet, 1: the client, 2: the server (a byte, not a 2-byte bool? that the layout pads).
    private byte _spokeFirst;

    // Intrusive idle-list and hash-chain links (owned by FlowTable).
    internal Flow? HashNext;
    internal Flow? Prev;
    internal Flow? Next;
    /// <summary>Which of the table's idle lists holds the flow (<see cref="FlowList.Id"/>; 0: none).</summary>
    internal byte ListId;

    public long TotalBytes => ClientBytes + ServerBytes;
    public long TotalPackets => ClientPackets + ServerPackets;

    /// <summary>Payload packets whose size and direction are kept (<c>sniffer.unknown.payload_sizes</c>).</summary>
    public const int MaxPayloadSizes = 8;

    /// <summary>
    /// Notes a payload packet's size and direction. They matter only for a flow that stays unknown: kept in the
    /// streams while the flow is inspected, handed to its <see cref="UnknownProfile"/> when it becomes unknown,
    /// dropped once it is identified.
    /// </summary>
    public void NotePayload(int length, bool fromClient)
    {
        switch (State)
        {
            case DetectionState.Inspecting or DetectionState.Extracting:
                GetStreams().NotePayload(length, fromClient);
                break;
            case DetectionState.Unknown when Unknown is not null:
                Unknown = Unknown.NotePayload(length, fromClient);
                break;
        }
    }

    /// <summary>Sizes of the first payload packets, positive client → server, negative server → client (for unknown flows).</summary>
    public ReadOnlySpan<int> FirstPayloadSizes => Unknown is { } u ? u.PayloadSizes : Streams is { } s ? s.PayloadSizes : default;

    /// <summary>Sets the key and which of its endpoints is the client.</summary>
    public void SetKey(in FlowKey key, bool clientIsA)
    {
        Key = key;
        ClientIsA = clientIsA;
    }

    /// <summary>The reassembly state, created (pooled) on first use with the SYN-derived starting points.</summary>
    public FlowStreams GetStreams()
    {
        if (Streams is null)
        {
            Streams = FlowStreams.Rent();
            if (ClientIsnKnown)
            {
                Streams.Client.SetBase(ClientIsn);
            }

            if (ServerIsnKnown)
            {
                Streams.Server.SetBase(ServerIsn);
            }
        }

        return Streams;
    }

    public void ReleaseBuffers()
    {
        if (Streams is not null)
        {
            FlowStreams.Return(Streams);
            Streams = null;
        }
    }

    public void Reset()
    {
        ReleaseBuffers();
        Key = default;
        ClientIsA = false;
        Transport = default;
        Tunnel = TunnelType.None;
        TunnelId = 0;
        FirstNs = LastNs = 0;
        ClientBytes = ServerBytes = ClientPackets = ServerPackets = 0;
        ClientFlags = ServerFlags = TcpFlags.None;
        SawSyn = Midstream = ClientFin = ServerFin = Closing = Ended = false;
        ClientFinSeq = ServerFinSeq = 0;
        CloseReason = FlowEndReason.None;
        ClientIsn = ServerIsn = 0;
        ClientIsnKnown = ServerIsnKnown = false;
        PayloadPackets = 0;
        State = DetectionState.Inspecting;
        Candidates = 0;
        Anomalies = 0;
        ProtocolIndex = -1;
        Confidence = Confidence.None;
        Evidence = null;
        Metadata = null;
        DetectedRecordWritten = false;
        Unknown = null;
        ClientSpokeFirst = null;
        ProcessLookup = null;
        Prev = Next = HashNext = null;
        ListId = 0;
    }
}

[InlineArray(Flow.MaxPayloadSizes)]
public struct PayloadSizeList
{
    private int _element;
}

/// <summary>The first bytes of a later datagram (enough for an RTP fixed header and a little more).</summary>
[InlineArray(Length)]
public struct DatagramHead
{
    /// <summary>Bytes kept of a direction's second datagram.</summary>
    public const int Length = 16;

    private byte _element;
}

/// <summary>
/// Both directions' reassembly state of a flow under inspection. Kept out of <see cref="Flow"/> so that a flow
/// that carries no payload (a scan, a SYN flood) or is already identified costs only its counters; pooled per
/// worker thread.
/// </summary>
public sealed class FlowStreams
{
    /// <summary>Instances kept per worker thread for reuse.</summary>
    public const int MaxPooled = 4096;

    [ThreadStatic]
    private static Stack<FlowStreams>? t_pool;

    public StreamReassembler Client;
    public StreamReassembler Server;
    private PayloadSizeList _sizes;
    private int _sizeCount;
    private DatagramHead _clientNext;
    private DatagramHead _serverNext;
    private byte _clientNextLength;
    private byte _serverNextLength;

    /// <summary>UDP: the first <see cref="DatagramHead.Length"/> bytes of the client's second datagram (empty until it comes).</summary>
    public ReadOnlySpan<byte> ClientNext => ((ReadOnlySpan<byte>)_clientNext)[.._clientNextLength];

    /// <summary>UDP: the first bytes of the server's second datagram (empty until it comes).</summary>
    public ReadOnlySpan<byte> ServerNext => ((ReadOnlySpan<byte>)_serverNext)[.._serverNextLength];

    /// <summary>
    /// Keeps the head of a direction's second datagram, once: a protocol whose single datagram is a weak shape
    /// (RTP) is confirmed by the next one continuing it. Returns false when that direction's head was already kept.
    /// </summary>
    public bool NoteNextDatagram(ReadOnlySpan<byte> datagram, bool fromClient)
    {
        ref byte length = ref fromClient ? ref _clientNextLength : ref _serverNextLength;
        if (length != 0 || datagram.IsEmpty)
        {
            return false;
        }

        var head = datagram[..Math.Min(datagram.Length, DatagramHead.Length)];
        if (fromClient)
        {
            head.CopyTo(_clientNext);
        }
        else
        {
            head.CopyTo(_serverNext);
        }

        length = (byte)head.Length;
        return true;
    }

    /// <summary>Sizes of the first payload packets, positive client → server, negative server → client.</summary>
    public ReadOnlySpan<int> PayloadSizes => ((ReadOnlySpan<int>)_sizes)[.._sizeCount];

    public void NotePayload(int length, bool fromClient)
    {
        if (_sizeCount < Flow.MaxPayloadSizes)
        {
            _sizes[_sizeCount++] = fromClient ? length : -length;
        }
    }

    public static FlowStreams Rent()
    {
        var pool = t_pool;
        return pool is not null && pool.TryPop(out var s) ? s : new FlowStreams();
    }

    public static void Return(FlowStreams streams)
    {
        streams.Client.Release();
        streams.Server.Release();
        streams.Client = default;
        streams.Server = default;
        streams._sizeCount = 0;
        streams._clientNextLength = streams._serverNextLength = 0;
        var pool = t_pool ??= new Stack<FlowStreams>();
        if (pool.Count < MaxPooled)
        {
            pool.Push(streams);
        }
    }
}
