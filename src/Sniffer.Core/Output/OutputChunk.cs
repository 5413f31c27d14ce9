using System.Buffers;

namespace Sniffer.Output;

/// <summary>A pooled buffer holding one or more complete NDJSON lines.</summary>
public readonly record struct OutputChunk(byte[] Buffer, int Length)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    public void Return() => ChunkPool.Return(Buffer);
}

/// <summary>
/// Output buffers travel from the worker that fills them to the output thread that writes them, and back.
/// ArrayPool.Shared keeps only a few arrays per core and drops the rest when they are returned on another
/// thread, which turned record output into garbage; this pool keeps every chunk in flight (bounded).
/// </summary>
public static class ChunkPool
{
    /// <summary>Chunks kept for reuse (the output channel's capacity plus slack).</summary>
    public const int MaxRetained = 48;

    private static readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> Free = new();
    private static int s_count;

    public static byte[] Rent(int minimumLength)
    {
        if (minimumLength <= PooledBufferWriter.ChunkSize && Free.TryDequeue(out var chunk))
        {
            Interlocked.Decrement(ref s_count);
            return chunk;
        }

        // Pinned (pinned object heap): a chunk lives as long as the process, and the GC never copies it around.
        return minimumLength <= PooledBufferWriter.ChunkSize
            ? GC.AllocateUninitializedArray<byte>(PooledBufferWriter.ChunkSize, pinned: true)
            : ArrayPool<byte>.Shared.Rent(minimumLength);
    }

    public static void Return(byte[] chunk)
    {
        if (chunk.Length != PooledBufferWriter.ChunkSize)
        {
            ArrayPool<byte>.Shared.Return(chunk);
            return;
        }

        if (Interlocked.Increment(ref s_count) <= MaxRetained)
        {
            Free.Enqueue(chunk);
        }
        else
        {
            Interlocked.Decrement(ref s_count);
        }
    }
}

/// <summary>Where a worker hands finished chunks of records (the output channel).</summary>
public interface IChunkSink
{
    void Submit(OutputChunk chunk);
}

/// <summary>
/// IBufferWriter over pooled chunks. Records are written into the current chunk; <see cref="Flush"/> hands
/// every filled chunk to the sink. A chunk only ever holds whole records: when a record does not fit in what is
/// left of the current chunk, its beginning (the bytes after the chunk's last newline) moves to the next chunk,
/// so chunks of several workers can interleave at the output thread without splitting a record.
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

        // The record being written (everything after the last newline) must not straddle two chunks: another
        // worker's chunk may be written between them.
        int complete = _current is null ? 0 : _current.AsSpan(0, _used).LastIndexOf((byte)'\n') + 1;
        int partial = _used - complete;
        var next = ChunkPool.Rent(Math.Max(ChunkSize, partial + need));
        if (partial > 0)
        {
            _current.AsSpan(complete, partial).CopyTo(next);
        }

        if (complete > 0)
        {
            _ready.Enqueue(new OutputChunk(_current!, complete));
        }
        else if (_current is not null)
        {
            ChunkPool.Return(_current);
        }

        _current = next;
        _used = partial;
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
