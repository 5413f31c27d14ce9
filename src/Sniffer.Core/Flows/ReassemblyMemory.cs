namespace Sniffer.Flows;

/// <summary>
/// A worker's global cap on bytes buffered for stream reassembly (<c>--reassembly-memcap</c>), like Suricata's
/// <c>stream.reassembly.memcap</c>. A stream that cannot get its buffer is not stored: it is counted
/// (<c>reassembly_memcap</c>) and its flow is identified from what the other direction holds, or is unknown.
/// </summary>
public sealed class ReassemblyMemory
{
    /// <summary>Default cap per worker.</summary>
    public const long DefaultLimitBytes = 256L * 1024 * 1024;

    public ReassemblyMemory(long limitBytes = DefaultLimitBytes) => LimitBytes = limitBytes;

    public long LimitBytes { get; }

    public long InUse { get; private set; }

    public long Peak { get; private set; }

    public bool TryReserve(int bytes)
    {
        if (InUse + bytes > LimitBytes)
        {
            return false;
        }

        InUse += bytes;
        Peak = Math.Max(Peak, InUse);
        return true;
    }

    public void Release(int bytes) => InUse -= bytes;
}
