using System.Text.Json;

namespace Sniffer.Tests.Support;

/// <summary>Floods of one-packet flows from distinct sources, and an output that checks records as they stream by.</summary>
public static class Flood
{
    public const long StartNs = 1_750_000_000_000_000_000L;

    /// <summary>The source address of flow <paramref name="i"/> (10.0.0.0/8, one address per flow).</summary>
    public static string Source(int i) => $"10.{(i >> 16) & 0xFF}.{(i >> 8) & 0xFF}.{i & 0xFF}";

    /// <summary>One UDP datagram per source, <paramref name="stepNs"/> apart, to <paramref name="port"/>.</summary>
    public static byte[] Udp(int sources, ushort port = 3624, int payload = 64, long stepNs = 1_000)
    {
        var frames = new List<CapturedFrame>(sources);
        var data = new byte[payload];
        var random = new Random(3624);
        for (int i = 0; i < sources; i++)
        {
            random.NextBytes(data);
            frames.Add(new(StartNs + (i * stepNs), FrameBuilder.UdpFrame(Source(i), (ushort)(10000 + (i % 50000)), "192.0.2.1", port, data)));
        }

        return CaptureBuilder.Pcap(1, frames);
    }
}

/// <summary>An output stream that parses each NDJSON line as it arrives (exactly one object a line) and hands it on.</summary>
public sealed class RecordStream(Action<JsonElement> onRecord) : Stream
{
    private readonly MemoryStream _line = new();

    public long Records { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int nl = buffer.IndexOf((byte)'\n');
            if (nl < 0)
            {
                _line.Write(buffer);
                return;
            }

            _line.Write(buffer[..(nl + 1)]);
            buffer = buffer[(nl + 1)..];
            var parsed = PipelineRunner.ParseLines(_line.ToArray());
            _line.SetLength(0);
            Records++;
            onRecord(parsed[0]);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
