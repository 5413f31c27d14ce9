namespace Sniffer.Capture;

/// <summary>Receives packets from a capture source (on the capture thread).</summary>
public interface IPacketSink
{
    /// <summary>One captured frame. <paramref name="data"/> is only valid during the call.</summary>
    void OnPacket(int linkType, long timestampNs, ReadOnlySpan<byte> data, int wireLength);

    /// <summary>
    /// No packet for a while: hand partial batches over so output flows. <paramref name="nowNs"/> is the wall
    /// clock for idle expiry (live capture), or 0 when only a flush is wanted (a pipe waiting for input).
    /// </summary>
    void OnIdle(long nowNs);
}

/// <summary>Statistics a source reports at the end (and for live capture, libpcap's counters).</summary>
public sealed class CaptureStatistics
{
    public long PacketsRead;
    public long BytesRead;
    public long? KernelReceived;
    public long? KernelDropped;
    public long? InterfaceDropped;
}

/// <summary>A capture file or a live interface.</summary>
public interface IPacketSource : IDisposable
{
    /// <summary>Human-readable name used in messages ("capture.pcap", "lo").</summary>
    string Name { get; }

    /// <summary>True for live capture (drop on overload instead of blocking).</summary>
    bool IsLive { get; }

    CaptureStatistics Statistics { get; }

    /// <summary>Reads packets into the sink until the input ends or <paramref name="cancellation"/> fires.</summary>
    void Run(IPacketSink sink, CancellationToken cancellation);
}

/// <summary>A user-facing input error (bad file, missing interface...): one line, exit code 1.</summary>
public sealed class CaptureException : Exception
{
    public CaptureException(string message) : base(message)
    {
    }

    public CaptureException(string message, Exception inner) : base(message, inner)
    {
    }

    public CaptureException()
    {
    }
}
