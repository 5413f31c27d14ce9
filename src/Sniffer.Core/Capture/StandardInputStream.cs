using System.Runtime.InteropServices;

namespace Sniffer.Capture;

/// <summary>
/// Standard input for <c>-r -</c>, read so that a stop request is noticed while the pipe is idle: a blocking
/// read(2) on a pipe that stays open (<c>ssh host tcpdump -w - | sniffer -r -</c> on a quiet link) does not return
/// for a cancellation, so SIGINT/SIGTERM would wait for the next packet. Each read first waits with poll(2) in
/// steps of <see cref="PollStepMs"/>, and ends the stream (returns 0) once <see cref="Cancellation"/> is set.
/// </summary>
public sealed partial class StandardInputStream : Stream
{
    /// <summary>Longest wait for input before the stop request is looked at again.</summary>
    public const int PollStepMs = 100;

    private const int StandardInput = 0;
    private const short PollIn = 0x001;
    private const int Eintr = 4;

    private readonly Stream _inner;
    private bool _pollWorks = true;

    public StandardInputStream(Stream inner) => _inner = inner;

    /// <summary>Set by the reader: when cancelled, the next read (or the one waiting) returns 0.</summary>
    public CancellationToken Cancellation { get; set; }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!WaitReadable())
        {
            return 0;
        }

        return _inner.Read(buffer);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    /// <summary>True when a read will not block (data, end of file or an error to report); false when stopped.</summary>
    private bool WaitReadable()
    {
        while (!Cancellation.IsCancellationRequested)
        {
            if (!_pollWorks)
            {
                return true; // no poll(2): block in read as before
            }

            var fd = new PollFd { Fd = StandardInput, Events = PollIn };
            int ready;
            try
            {
                ready = Poll(ref fd, 1, PollStepMs);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                _pollWorks = false;
                continue;
            }

            if (ready > 0)
            {
                return true; // readable, hung up or in error: read says which
            }

            if (ready < 0 && Marshal.GetLastPInvokeError() != Eintr)
            {
                _pollWorks = false; // stdin cannot be polled (not seen for pipes, files or terminals): plain blocking reads
            }
        }

        return false;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
