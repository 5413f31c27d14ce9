using System.Buffers;

namespace Sniffer.Output;

/// <summary>A pooled buffer holding one or more complete NDJSON lines.</summary>
public readonly record struct OutputChunk(byte[] Buffer, int Length)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}

/// <summary>Where a worker hands finished chunks of records (the output channel).</summary>
public interface IChunkSink
{
    void Submit(OutputChunk chunk);
}

/// <summary>
/// IBufferWriter over ArrayPool chunks. Records are written into the current chunk; <see cref="Flush"/> hands
/// every filled chunk to the sink. A chunk only ever leaves here after whole records were written into it.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>
{
    /// <summary>Size of one output chunk.</summary>
    public const int ChunkSize = 64 * 1024;

    private readonly IChunkSink _sink;
    private readonly Queue<OutputChunk> _ready = new();
    private byte[]? _current;
    private int _used;

    public PooledBufferWriter(IChunkSink sink) => _sink = sink;

    /// <summary>Bytes written since the last flush.</summary>
    public int PendingBytes { get; private set; }

    public void Advance(int count)
    {
        _used += count;
        PendingBytes += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _current.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _current.AsSpan(_used);
    }

    private void Ensure(int sizeHint)
    {
        int need = Math.Max(sizeHint, 256);
        if (_current is not null && _current.Length - _used >= need)
        {
            return;
        }

        if (_current is not null && _used > 0)
        {
            _ready.Enqueue(new OutputChunk(_current, _used));
        }
        else if (_current is not null)
        {
            ArrayPool<byte>.Shared.Return(_current);
        }

        _current = ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, need));
        _used = 0;
    }

    /// <summary>Hands all written bytes to the sink (call only between records).</summary>
    public void Flush()
    {
        while (_ready.TryDequeue(out var chunk))
        {
            _sink.Submit(chunk);
        }

        if (_current is not null && _used > 0)
        {
            _sink.Submit(new OutputChunk(_current, _used));
            _current = null;
            _used = 0;
        }

        PendingBytes = 0;
    }
}
