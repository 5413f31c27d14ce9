using System.Runtime.InteropServices;

namespace Sniffer.Capture;

/// <summary>
/// Runs a libpcap filter expression on packets read from a file, exactly as libpcap would on a live capture:
/// pcap_open_dead + pcap_compile per link type, then pcap_offline_filter per packet. libpcap is loaded only when
/// a file is read with <c>--filter</c>; plain file reading never needs it.
/// </summary>
public sealed unsafe class BpfFilter : IDisposable
{
    private static readonly string[] LibraryNames = ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so", "libpcap.dylib"];

    private readonly string _expression;
    private readonly nint _library;
    private readonly delegate* unmanaged<int, int, nint> _openDead;
    private readonly delegate* unmanaged<nint, BpfProgram*, byte*, int, uint, int> _compile;
    private readonly delegate* unmanaged<BpfProgram*, PcapPacketHeader*, byte*, int> _offlineFilter;
    private readonly delegate* unmanaged<BpfProgram*, void> _freeCode;
    private readonly delegate* unmanaged<nint, void> _close;
    private readonly delegate* unmanaged<nint, byte*> _getErr;
    private readonly Dictionary<int, nint> _programs = [];

    [StructLayout(LayoutKind.Sequential)]
    private struct BpfProgram
    {
        public uint Length;
        public nint Instructions;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PcapPacketHeader
    {
        public nint Seconds;       // struct timeval: long tv_sec
        public nint Microseconds;  // long tv_usec
        public uint CapturedLength;
        public uint Length;
    }

    public BpfFilter(string expression)
    {
        _expression = expression;
        nint lib = 0;
        foreach (var name in LibraryNames)
        {
            if (NativeLibrary.TryLoad(name, out lib))
            {
                break;
            }
        }

        if (lib == 0)
        {
            throw new CaptureException("--filter on a file needs libpcap to compile the expression, and it is not installed (Debian: apt-get install libpcap0.8)");
        }

        _library = lib;
        _openDead = (delegate* unmanaged<int, int, nint>)NativeLibrary.GetExport(lib, "pcap_open_dead");
        _compile = (delegate* unmanaged<nint, BpfProgram*, byte*, int, uint, int>)NativeLibrary.GetExport(lib, "pcap_compile");
        _offlineFilter = (delegate* unmanaged<BpfProgram*, PcapPacketHeader*, byte*, int>)NativeLibrary.GetExport(lib, "pcap_offline_filter");
        _freeCode = (delegate* unmanaged<BpfProgram*, void>)NativeLibrary.GetExport(lib, "pcap_freecode");
        _close = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "pcap_close");
        _getErr = (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(lib, "pcap_geterr");

        // Compile once up front for Ethernet so a syntax error is reported before any packet is read.
        Program(Decoding.LinkType.Ethernet);
    }

    public string Expression => _expression;

    private nint Program(int linkType)
    {
        if (_programs.TryGetValue(linkType, out nint program))
        {
            return program;
        }

        nint pcap = _openDead(linkType, CaptureFileReader.MaxRecordLength);
        if (pcap == 0)
        {
            throw new CaptureException($"libpcap cannot handle link type {linkType}");
        }

        try
        {
            var prog = (BpfProgram*)NativeMemory.AllocZeroed((nuint)sizeof(BpfProgram));
            byte[] expr = System.Text.Encoding.UTF8.GetBytes(_expression + "\0");
            fixed (byte* e = expr)
            {
                if (_compile(pcap, prog, e, 1, 0xFFFFFFFF) != 0)
                {
                    string error = Marshal.PtrToStringUTF8((nint)_getErr(pcap)) ?? "syntax error";
                    NativeMemory.Free(prog);
                    throw new CaptureException($"bad filter \"{_expression}\": {error}");
                }
            }

            _programs[linkType] = (nint)prog;
            return (nint)prog;
        }
        finally
        {
            _close(pcap);
        }
    }

    /// <summary>True when the packet passes the filter.</summary>
    public bool Matches(int linkType, ReadOnlySpan<byte> packet, int wireLength)
    {
        var prog = (BpfProgram*)Program(linkType);
        var header = new PcapPacketHeader { CapturedLength = (uint)packet.Length, Length = (uint)wireLength };
        fixed (byte* p = packet)
        {
            return _offlineFilter(prog, &header, p) != 0;
        }
    }

    public void Dispose()
    {
        foreach (var program in _programs.Values)
        {
            _freeCode((BpfProgram*)program);
            NativeMemory.Free((void*)program);
        }

        _programs.Clear();
    }
}
