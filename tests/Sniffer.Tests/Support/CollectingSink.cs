using Sniffer.Capture;

namespace Sniffer.Tests.Support;

/// <summary>Collects what a capture source delivers.</summary>
public sealed class CollectingSink : IPacketSink
{
    public List<(int LinkType, long Ts, byte[] Data, int Wire)> Packets { get; } = [];

    public void OnPacket(int linkType, long timestampNs, ReadOnlySpan<byte> data, int wireLength) =>
        Packets.Add((linkType, timestampNs, data.ToArray(), wireLength));

    public void OnIdle(long nowNs)
    {
    }

    public static (CollectingSink Sink, CaptureFileReader Reader) Read(byte[] file)
    {
        var sink = new CollectingSink();
        var reader = new CaptureFileReader("test", new MemoryStream(file));
        reader.Run(sink, CancellationToken.None);
        return (sink, reader);
    }

    /// <summary>A stream that hands out at most <c>chunk</c> bytes per read, to exercise records straddling pipe segments.</summary>
    public sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _pos;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, chunk), data.Length - _pos);
            Array.Copy(data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
