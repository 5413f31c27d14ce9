using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Flows;
using Sniffer.Fuzz.Support;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;

namespace Sniffer.Fuzz.Fuzzers;

/// <summary>
/// The whole program path: the input is a capture file run through <see cref="SnifferPipeline.Run"/> (capture
/// thread, worker, output thread) into a MemoryStream, on every port. Exit code 1 with a
/// <see cref="CaptureException"/> is the documented answer to a bad file; an exception of any other type from the
/// reader, a worker failure (exit code 70, or an exception when the same packets go through a processor on the
/// fuzzing thread) or an output line that is not exactly one JSON object is a crash.
/// </summary>
internal sealed class PipelineFuzzer : IFuzzer
{
    private static readonly SnifferOptions Options = new()
    {
        AnyPort = true,
        MaxFlows = 64, // small, so that eviction runs too
    };

    /// <summary>Bytes of real packets kept per seed.</summary>
    private const int RealSeedBytes = 3000;

    public string Name => "pipeline";

    public string[] Dictionaries => ["capture.dict", "link.dict", "http.dict", "tls.dict"];

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        byte[] file = input.ToArray();
        var output = new MemoryStream();
        using var source = new ObservedSource(new CaptureFileReader("fuzz.pcap", new MemoryStream(file, writable: false)));
        var result = SnifferPipeline.Run(source, Options, output, "memory", null, CancellationToken.None);
        if (source.Escaped is { } escaped)
        {
            throw new FuzzInvariantException($"the capture reader threw {escaped.GetType().Name}, not CaptureException", escaped);
        }

        // A worker's exception becomes exit code 70, but when the file is bad as well the capture error is what the
        // run reports (exit code 1) and the worker's exception is lost. So the same packets also go through a
        // processor on this thread: an exception in the packet path escapes from here, with its stack, either way.
        ProcessOnThisThread(file);
        if (result.ExitCode != 0 && result.ExitCode != 1)
        {
            throw new FuzzInvariantException($"exit code {result.ExitCode}: {result.Error}");
        }

        JsonCheck.Ndjson(output.GetBuffer().AsMemory(0, (int)output.Length), "pipeline output");
    }

    private static void ProcessOnThisThread(byte[] file)
    {
        var sink = new CollectingSink();
        try
        {
            using var reader = new CaptureFileReader("fuzz.pcap", new MemoryStream(file, writable: false));
            reader.Run(sink, CancellationToken.None);
        }
        catch (CaptureException)
        {
        }

        using var processor = new PacketProcessor(Options, new ChunkCollector());
        foreach (var p in sink.Packets)
        {
            processor.ProcessPacket(p.LinkType, p.Ts, p.Data);
        }

        processor.Finish(FlowEndReason.EndOfInput);
    }

    /// <summary>Passes a capture file through, remembering an exception that is not a <see cref="CaptureException"/>.</summary>
    private sealed class ObservedSource(CaptureFileReader inner) : IPacketSource
    {
        public Exception? Escaped { get; private set; }

        public string Name => inner.Name;

        public bool IsLive => inner.IsLive;

        public CaptureStatistics Statistics => inner.Statistics;

        public void Run(IPacketSink sink, CancellationToken cancellation)
        {
            try
            {
                inner.Run(sink, cancellation);
            }
            catch (Exception e) when (e is not CaptureException)
            {
                Escaped = e;
                throw;
            }
        }

        public void Dispose() => inner.Dispose();
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds(SeedMaterial material)
    {
        foreach (var (name, frames) in material.Conversations)
        {
            yield return ($"{name}.pcap", CaptureBuilder.Pcap(LinkType.Ethernet, frames));
        }

        yield return ("all-conversations.pcapng", CaptureBuilder.Pcapng([LinkType.Ethernet], material.Conversations.SelectMany(c => c.Frames).OrderBy(f => f.TimestampNs)));

        byte[] datagram = FrameBuilder.Udp(53000, SeedMaterial.Port, SeedMaterial.Binary(600, 16));
        long ts = 1_750_000_000_000_000_000L;
        yield return ("ipv4-fragments.pcap", CaptureBuilder.Pcap(LinkType.Ethernet, DecodeChainFuzzer.V4Fragments(datagram, 256).AsEnumerable().Reverse().Select((f, i) => new CapturedFrame(ts + i, f))));
        yield return ("ipv6-fragments.pcap", CaptureBuilder.Pcap(LinkType.Ethernet, DecodeChainFuzzer.V6Fragments(datagram, 256).Select((f, i) => new CapturedFrame(ts + i, f))));
        var http = material.Conversations[0].Frames;
        yield return ("http-in-vxlan.pcap", CaptureBuilder.Pcap(LinkType.Ethernet, http.Select(f => f with
        {
            Data = FrameBuilder.UdpFrame("192.0.2.1", 40000, "192.0.2.2", PacketDecoder.VxlanPort, [0x08, 0, 0, 0, 0, 0, 5, 0, .. f.Data]),
        })));

        foreach (var capture in material.RealCaptures)
        {
            // The first packets of each real capture, as many as fit in a small seed.
            int budget = RealSeedBytes;
            var packets = capture.Packets.TakeWhile(p => (budget -= p.Frame.Length + 16) >= 0).ToList();
            if (packets.Count > 0 && packets.Select(p => p.LinkType).Distinct().Count() == 1)
            {
                yield return ($"real-{capture.Name}.pcap", CaptureBuilder.Pcap(packets[0].LinkType, packets.Select((p, i) => new CapturedFrame(ts + (i * 1_000_000L), p.Frame))));
            }
        }
    }
}
