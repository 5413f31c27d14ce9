using System.Threading.Channels;
using Sniffer.Output;

namespace Sniffer.Pipeline;

/// <summary>
/// The single output thread: takes finished chunks of NDJSON from the workers and writes them to the output
/// stream, flushing whenever the channel runs dry so live users see records at once. A closed pipe (the reader
/// went away, e.g. <c>| head -1</c>) ends the run quietly; any other write error ends it with a message.
/// </summary>
public sealed class OutputWriter : IChunkSink
{
    /// <summary>Chunks queued between the workers and the output thread: 2 MiB of records (≈ 1,500 records) absorbs
    /// a burst; more only grows the heap when the output thread is starved of CPU (each chunk in flight is a live
    /// 64 KiB buffer).</summary>
    public const int ChannelCapacity = 32;

    private readonly Channel<OutputChunk> _channel = Channel.CreateBounded<OutputChunk>(
        new BoundedChannelOptions(ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = true, // blocking threads: wake the waiter directly, not via the thread pool
        });
    private Stream _stream;
    private volatile bool _reopenRequested;
    private readonly string _name;
    private Thread? _thread;
    private volatile bool _failed;

    public OutputWriter(Stream stream, string name)
    {
        _stream = stream;
        _name = name;
    }

    public long BytesWritten { get; private set; }

    /// <summary>Set when the reader of our output went away (EPIPE): not an error.</summary>
    public bool PipeClosed { get; private set; }

    /// <summary>A write error other than a closed pipe.</summary>
    public string? Error { get; private set; }

    public bool Failed => _failed;

    /// <summary>Called when output stops for good (pipe closed or error), so capture can stop too.</summary>
    public Action? OnFailure { get; set; }

    /// <summary>Opens the output file anew (SIGHUP after logrotate moved it); null for stdout.</summary>
    public Func<Stream>? Reopen { get; set; }

    /// <summary>Asks the output thread to reopen the file before its next write (signal-safe).</summary>
    public void RequestReopen() => _reopenRequested = true;

    /// <summary>The stream currently written (it changes on reopen); the writer disposes replaced ones.</summary>
    public Stream Current => _stream;

    /// <summary>Also sends every record to a syslog receiver (<c>--syslog</c>); queueing there never blocks.</summary>
    public Output.Delivery.SyslogSender? Syslog { get; set; }

    public void Start()
    {
        _thread = new Thread(Run) { Name = "sniffer-output", IsBackground = true };
        _thread.Start();
    }

    public void Submit(OutputChunk chunk)
    {
        if (_failed)
        {
            chunk.Return();
            return;
        }

        var writer = _channel.Writer;
        while (!writer.TryWrite(chunk))
        {
            if (_failed || !writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult())
            {
                chunk.Return();
                return;
            }
        }
    }

    public void Complete()
    {
        _channel.Writer.TryComplete();
        _thread?.Join();
    }

    private void Run()
    {
        var reader = _channel.Reader;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var chunk))
                {
                    if (_reopenRequested && Reopen is not null)
                    {
                        _reopenRequested = false;
                        _stream.Flush();
                        var next = Reopen();
                        _stream.Dispose();
                        _stream = next;
                    }

                    try
                    {
                        Syslog?.Enqueue(chunk.Span);
                        if (!_failed)
                        {
                            long start = _stream is FileStream { CanSeek: true } file ? file.Position : -1;
                            try
                            {
                                _stream.Write(chunk.Span);
                            }
                            catch (IOException) when (start >= 0)
                            {
                                KeepWholeLines((FileStream)_stream, start, chunk.Span);
                                throw;
                            }

                            BytesWritten += chunk.Length;
                        }
                    }
                    finally
                    {
                        chunk.Return();
                    }
                }

                if (!_failed)
                {
                    _stream.Flush();
                }
            }
        }
        catch (IOException e)
        {
            Fail(e);
            Drain(reader);
        }
        catch (UnauthorizedAccessException e)
        {
            Fail(e);
            Drain(reader);
        }
    }

    /// <summary>
    /// A write to a file failed part-way (disk full, quota): the file may end in half a record. Cut it back to the
    /// last complete line, so every record that made it is whole and nothing after it is garbage.
    /// </summary>
    private static void KeepWholeLines(FileStream file, long start, ReadOnlySpan<byte> chunk)
    {
        try
        {
            long written = Math.Clamp(RandomAccess.GetLength(file.SafeFileHandle) - start, 0, chunk.Length);
            int keep = chunk[..(int)written].LastIndexOf((byte)'\n') + 1;
            if (keep < written)
            {
                file.SetLength(start + keep);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // Nothing more can be done; the write error is what gets reported.
        }
    }

    /// <summary>errno values that surface as an IOException's HResult on Unix.</summary>
    private const int EPIPE = 32, ENOSPC = 28, EDQUOT = 122;

    private void Fail(Exception e)
    {
        int errno = e.HResult & 0xFFFF;
        if (e is IOException && errno == EPIPE || e.Message.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase))
        {
            PipeClosed = true;
        }
        else
        {
            string reason = e is IOException && (errno == ENOSPC || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)) ? "no space left on device"
                : e is IOException && errno == EDQUOT ? "disk quota exceeded"
                : e is UnauthorizedAccessException ? "permission denied"
                : e.Message.Split(" : '", 2)[0]; // .NET appends " : 'path'"; the name is already in front
            Error = $"{_name}: write failed: {reason}";
        }

        _failed = true;
        OnFailure?.Invoke();
    }

    private static void Drain(ChannelReader<OutputChunk> reader)
    {
        while (true)
        {
            while (reader.TryRead(out var chunk))
            {
                chunk.Return();
            }

            if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                return;
            }
        }
    }
}
