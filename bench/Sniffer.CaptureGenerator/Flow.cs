namespace Sniffer.CaptureGenerator;

/// <summary>One packet of a planned flow: who sends it, when, TCP state, and which payload bytes it carries.</summary>
internal struct Packet
{
    public long TimeUs;
    public bool FromClient;
    public byte Flags;
    public uint Seq;
    public uint Ack;
    public uint TsVal;
    public uint TsEcr;
    public byte[]? Data;
    public int Offset;
    public int Length;

    public readonly ReadOnlySpan<byte> Payload => Data is null ? default : Data.AsSpan(Offset, Length);
}

/// <summary>A flow's endpoints and link details, and its packets in time order.</summary>
internal sealed class Flow
{
    public required int Index { get; init; }
    public required FlowKind Kind { get; init; }
    public required bool Tcp { get; init; }
    public required bool V6 { get; init; }
    public required ushort Vlan { get; init; }
    public required byte[] ClientIp { get; init; }
    public required byte[] ServerIp { get; init; }
    public required ushort ClientPort { get; init; }
    public required ushort ServerPort { get; init; }
    public required byte[] ClientMac { get; init; }
    public required byte[] ServerMac { get; init; }
    public required byte ClientTtl { get; init; }
    public required byte ServerTtl { get; init; }
    public required uint ClientFlowLabel { get; init; }
    public required uint ServerFlowLabel { get; init; }
    public required ushort ClientWindow { get; init; }
    public required ushort ServerWindow { get; init; }

    /// <summary>Next IPv4 identification per direction.</summary>
    public ushort ClientIpId;
    public ushort ServerIpId;

    public List<Packet> Packets { get; } = new(32);

    /// <summary>Index of the next packet to write.</summary>
    public int Cursor;

    /// <summary>The protocol the sniffer should report for this flow.</summary>
    public string Label => Kind switch
    {
        FlowKind.Tls => "tls",
        FlowKind.Http => "http",
        FlowKind.Ssh => "ssh",
        FlowKind.Redis => "redis",
        FlowKind.Dns => "dns",
        _ => "unknown",
    };

    public int Mss => TcpFlowBuilder.MssFor(V6);
}
