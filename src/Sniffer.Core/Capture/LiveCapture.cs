using SharpPcap;
using SharpPcap.LibPcap;

namespace Sniffer.Capture;

/// <summary>Settings for live capture.</summary>
public sealed record LiveCaptureOptions
{
    public const int DefaultSnapLength = 65_535;
    /// <summary>Read timeout: how long libpcap may hold packets before handing them over (also the idle tick).</summary>
    public const int ReadTimeoutMs = 100;

    public required string Interface { get; init; }
    public required string Filter { get; init; }
    /// <summary>
    /// The filter for interfaces whose frames are not Ethernet (<c>-i any</c>'s Linux cooked header, raw IP, …):
    /// libpcap refuses a <c>vlan</c> term there. Null uses <see cref="Filter"/>.
    /// </summary>
    public string? NonEthernetFilter { get; init; }
    public int SnapLength { get; init; } = DefaultSnapLength;
    /// <summary>Kernel capture buffer in bytes (<c>--buffer-size</c>); null keeps libpcap's default (2 MiB).</summary>
    public int? BufferSize { get; init; }
    public bool Promiscuous { get; init; } = true;
}

/// <summary>
/// Live capture through SharpPcap/libpcap. Packet bytes are handed to the sink straight from libpcap's buffer
/// (no PacketDotNet parsing, which is not trim-safe). A missing libpcap or interface becomes a one-line
/// <see cref="CaptureException"/>.
/// </summary>
public sealed class LiveCapture : IPacketSource
{
    private readonly LiveCaptureOptions _options;
    private LibPcapLiveDevice? _device;

    public LiveCapture(LiveCaptureOptions options)
    {
        _options = options;
        Name = options.Interface;
    }

    public string Name { get; }

    public bool IsLive => true;

    /// <summary>libpcap link type of the open device (1 Ethernet, 113 Linux cooked...).</summary>
    public int LinkType => _device is null ? -1 : (int)_device.LinkType;

    /// <summary>The kernel filter applied (depends on the interface's link type), after <see cref="Open"/>.</summary>
    public string? FilterInUse { get; private set; }

    public CaptureStatistics Statistics { get; } = new();

    /// <summary>Lists capture interfaces as "name<TAB>description" lines.</summary>
    public static IReadOnlyList<string> ListInterfaces()
    {
        try
        {
            var list = new List<string>();
            foreach (var d in LibPcapLiveDeviceList.Instance)
            {
                list.Add(string.IsNullOrEmpty(d.Description) ? d.Name : $"{d.Name}\t{d.Description}");
            }

            return list;
        }
        catch (Exception e) when (IsLibpcapMissing(e))
        {
            throw new CaptureException("libpcap is not installed (Debian: apt-get install libpcap0.8)", e);
        }
    }

    internal static bool IsLibpcapMissing(Exception e) =>
        e is DllNotFoundException or EntryPointNotFoundException ||
        (e is TypeInitializationException { InnerException: { } inner } && IsLibpcapMissing(inner));

    public void Open()
    {
        LibPcapLiveDevice? device = null;
        try
        {
            foreach (var d in LibPcapLiveDeviceList.New())
            {
                if (d.Name == _options.Interface)
                {
                    device = d;
                    break;
                }
            }
        }
        catch (Exception e) when (IsLibpcapMissing(e))
        {
            throw new CaptureException("libpcap is not installed (Debian: apt-get install libpcap0.8)", e);
        }

        if (device is null)
        {
            throw new CaptureException($"{_options.Interface}: no such capture interface (see --list-interfaces)");
        }

        var config = new DeviceConfiguration
        {
            Mode = _options.Promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
            ReadTimeout = LiveCaptureOptions.ReadTimeoutMs,
            Snaplen = _options.SnapLength,
            Immediate = false,
        };
        if (_options.BufferSize is int size)
        {
            config.BufferSize = size;
        }

        try
        {
            device.Open(config);
        }
        catch (Exception e) when (e is PcapException or InvalidOperationException)
        {
            throw new CaptureException($"{_options.Interface}: cannot open for capture: {FirstLine(e.Message)} (root or CAP_NET_RAW needed)", e);
        }

        // DLT_EN10MB is 1: only Ethernet frames carry 802.1Q tags for the filter's vlan term to match.
        FilterInUse = (int)device.LinkType == 1 ? _options.Filter : _options.NonEthernetFilter ?? _options.Filter;
        try
        {
            device.Filter = FilterInUse;
        }
        catch (PcapException e)
        {
            device.Close();
            throw new CaptureException($"bad filter \"{FilterInUse}\": {FirstLine(e.Message)}", e);
        }

        _device = device;
    }

    private static string FirstLine(string s)
    {
        int nl = s.IndexOfAny(['\r', '\n']);
        return nl < 0 ? s : s[..nl];
    }

    public void Run(IPacketSink sink, CancellationToken cancellation)
    {
        if (_device is null)
        {
            Open();
        }

        var device = _device!;
        int linkType = (int)device.LinkType;
        // Non-blocking reads of whatever the kernel ring holds, through SharpPcap's pointer API (GetNextPacket
        // polls the descriptor and allocates a header object for every packet). Only when nothing is ready does
        // GetNextPacket wait, up to the read timeout: with TPACKET_V3 a blocking read never times out when no
        // packet arrives at all.
        device.NonBlockingMode = true;
        IntPtr header = IntPtr.Zero, data = IntPtr.Zero;
        while (!cancellation.IsCancellationRequested)
        {
            int status;
            try
            {
                status = device.GetNextPacketPointers(ref header, ref data);
            }
            catch (PcapException e)
            {
                throw new CaptureException($"{Name}: capture failed: {FirstLine(e.Message)}", e);
            }

            switch (status)
            {
                case 1:
                    {
                        var h = PcapPacketHeader.Read(header);
                        var packet = PcapPacketHeader.Data(data, h.CapturedLength);
                        Statistics.PacketsRead++;
                        Statistics.BytesRead += packet.Length;
                        sink.OnPacket(linkType, h.TimestampNs, packet, Math.Max(h.WireLength, packet.Length));
                        break;
                    }

                case 0: // nothing ready
                    if (!WaitAndRead(device, linkType, sink))
                    {
                        return;
                    }

                    break;

                case -2: // pcap_breakloop / end of a savefile
                    return;

                default:
                    throw new CaptureException($"{Name}: capture failed: {FirstLine(device.LastError)}");
            }
        }

        UpdateKernelStatistics();
    }

    /// <summary>Waits up to the read timeout for a packet (delivering it) or ticks the idle clock; false at the end.</summary>
    private bool WaitAndRead(LibPcapLiveDevice device, int linkType, IPacketSink sink)
    {
        GetPacketStatus status;
        PacketCapture capture;
        try
        {
            status = device.GetNextPacket(out capture);
        }
        catch (PcapException e)
        {
            throw new CaptureException($"{Name}: capture failed: {FirstLine(e.Message)}", e);
        }

        switch (status)
        {
            case GetPacketStatus.PacketRead:
                {
                    var header = capture.Header;
                    long ts = ((long)header.Timeval.Seconds * 1_000_000_000L) + ((long)header.Timeval.MicroSeconds * 1000L);
                    Statistics.PacketsRead++;
                    Statistics.BytesRead += capture.Data.Length;
                    int wire = header is PcapHeader pcapHeader ? (int)pcapHeader.PacketLength : capture.Data.Length;
                    sink.OnPacket(linkType, ts, capture.Data, Math.Max(wire, capture.Data.Length));
                    return true;
                }

            case GetPacketStatus.ReadTimeout:
                sink.OnIdle(NowNs());
                return true;

            case GetPacketStatus.NoRemainingPackets:
                return false;

            default:
                throw new CaptureException($"{Name}: capture failed: {FirstLine(device.LastError)}");
        }
    }

    public void UpdateKernelStatistics()
    {
        if (_device is null)
        {
            return;
        }

        try
        {
            var s = _device.Statistics;
            Statistics.KernelReceived = s.ReceivedPackets;
            Statistics.KernelDropped = s.DroppedPackets;
            Statistics.InterfaceDropped = s.InterfaceDroppedPackets;
        }
        catch (PcapException)
        {
            // statistics are best effort
        }
    }

    public static long NowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    public void Dispose()
    {
        _device?.Close();
        _device = null;
    }
}
