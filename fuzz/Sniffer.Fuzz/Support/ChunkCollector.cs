using Sniffer.Output;

namespace Sniffer.Fuzz.Support;

/// <summary>An output sink for a <see cref="Sniffer.Pipeline.PacketProcessor"/> that keeps every record in memory.</summary>
internal sealed class ChunkCollector : IChunkSink
{
    private readonly MemoryStream _bytes = new();

    public ReadOnlyMemory<byte> Written => _bytes.GetBuffer().AsMemory(0, (int)_bytes.Length);

    public void Submit(OutputChunk chunk)
    {
        _bytes.Write(chunk.Span);
        chunk.Return();
    }
}
