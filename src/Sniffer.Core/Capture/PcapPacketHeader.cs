
namespace Sniffer.Capture;

/// <summary>
/// libpcap's <c>struct pcap_pkthdr</c> as <c>pcap_next_ex</c> returns it on 64-bit Linux: a <c>struct timeval</c>
/// (two 64-bit longs: seconds, microseconds), then the captured and the wire length (32-bit). Read in place.
/// </summary>
internal readonly struct PcapPacketHeader
{
    public long TimestampNs { get; init; }
    public int CapturedLength { get; init; }
    public int WireLength { get; init; }

    public static unsafe PcapPacketHeader Read(IntPtr header)
    {
        if (IntPtr.Size != 8)
        {
            throw new PlatformNotSupportedException("live capture needs a 64-bit process");
        }

        byte* p = (byte*)header;
        long seconds = *(long*)p;
        long micros = *(long*)(p + 8);
        uint caplen = *(uint*)(p + 16);
        uint len = *(uint*)(p + 20);
        return new PcapPacketHeader
        {
            TimestampNs = (seconds * 1_000_000_000L) + (micros * 1000L),
            CapturedLength = (int)Math.Min(caplen, (uint)CaptureFileReader.MaxRecordLength),
            WireLength = (int)Math.Min(len, int.MaxValue),
        };
    }

    public static unsafe ReadOnlySpan<byte> Data(IntPtr data, int length) =>
        data == IntPtr.Zero ? default : new ReadOnlySpan<byte>((void*)data, length);
}
