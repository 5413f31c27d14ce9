using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Sniffer.Output.Delivery;

/// <summary>
/// Sends every record to a syslog receiver as an RFC 5424 message (<see cref="Rfc5424Formatter"/>): over TCP
/// with octet-counting framing (RFC 6587 §3.4.1), over UDP one message per datagram (RFC 5426).
/// <para>
/// The output thread hands it whole NDJSON lines (<see cref="Enqueue"/>): they are copied into a queue bounded
/// in bytes (<c>--syslog-queue</c>) and the call returns at once — it never waits for the network, so a slow or
/// absent receiver never holds up the packet path. When the queue is full the newest records are dropped and
/// counted. A dedicated thread takes them from the queue, connects (re-resolving the host name each time), sends,
/// and after a failure reconnects with exponential back-off (<see cref="InitialBackoff"/> doubling up to
/// <see cref="MaxBackoff"/>) while records wait in the queue. Before each TCP write it checks that the receiver
/// has not closed the connection, so a receiver that restarted while sniffer was idle loses nothing; what the
/// kernel accepted just before a receiver died can still be lost (plain TCP syslog has no acknowledgements), and
/// the records of a write that failed are sent again after reconnecting (a receiver may see them twice).
/// </para>
/// <para>At the end of a run (<see cref="Finish"/>) the queue is handed over with a bounded wait: as long as
/// records keep reaching the receiver, up to <see cref="SyslogOptions.MaxFlushTime"/> in all, and no more than
/// <see cref="SyslogOptions.FlushTimeout"/> without progress; what is still queued then is counted as not
/// delivered.</para>
/// </summary>
public sealed class SyslogSender : IDisposable
{
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    /// <summary>A TCP write blocked this long (the receiver stopped reading) counts as a lost connection.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);
    /// <summary>After the flush timeout, how long the sender gets to notice it must stop.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);
    /// <summary>TCP messages are gathered into writes of up to this many bytes.</summary>
    public const int BatchBytes = 64 * 1024;
    /// <summary>An unfinished record carried between two <see cref="Enqueue"/> calls may grow to this before it is dropped.</summary>
    public const int MaxCarryBytes = 4 << 20;

    private readonly SyslogOptions _options;
    private readonly Rfc5424Formatter _format;
    private readonly TimeProvider _time;
    private readonly Channel<Segment> _queue = Channel.CreateUnbounded<Segment>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _abort = new();
    private readonly byte[] _batch;
    private readonly string _name;
    private Thread? _thread;
    private Socket? _socket;
    private TimeSpan _backoff = InitialBackoff;
    /// <summary>Which of the host's addresses to try first: after a failure the next one (a UDP socket cannot tell a dead address when it connects).</summary>
    private int _addressCursor;
    private bool _outage;
    private bool _finished;
    private byte[]? _carry;
    private int _carryLength;

    private long _queuedBytes;
    /// <summary>Set whenever the sender frees queue space (for <see cref="SyslogOptions.WaitWhenFull"/>).</summary>
    private readonly ManualResetEventSlim _released = new();
    /// <summary>A wait for space timed out: no more waiting until the sender frees some.</summary>
    private volatile bool _stalled;
    /// <summary>Records accepted into the queue and not yet sent or dropped.</summary>
    private long _pendingRecords;
    private long _sent;
    private long _droppedQueueFull;
    private long _droppedTooLong;
    private long _connections;

    /// <summary>Records copied from the output, the wall-clock time they were written (the messages' TIMESTAMP).</summary>
    private readonly record struct Segment(byte[] Buffer, int Length, long UnixMicroseconds);

    public SyslogSender(SyslogOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _format = new Rfc5424Formatter(options.Facility, options.Hostname, Environment.ProcessId);
        _batch = new byte[Math.Max(BatchBytes, options.MaxMessageBytes + Rfc5424Formatter.MaxFramePrefixLength)];
        _name = $"syslog {options.Endpoint}";
    }

    public SyslogOptions Options => _options;

    /// <summary>Bytes of records waiting in the queue.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    public SyslogStatistics Statistics => new(
        _options.Endpoint.ToString(),
        Interlocked.Read(ref _sent),
        Interlocked.Read(ref _droppedQueueFull),
        Interlocked.Read(ref _droppedTooLong),
        _finished ? Interlocked.Read(ref _pendingRecords) : 0,
        Interlocked.Read(ref _connections),
        _options.MaxMessageBytes);

    public void Start()
    {
        _thread = new Thread(Run) { Name = "sniffer-syslog", IsBackground = true };
        _thread.Start();
    }

    /// <summary>
    /// Queues whole NDJSON lines for sending, without blocking (called by the single output thread). A line not
    /// finished by this call waits for its end in the next one.
    /// </summary>
    public void Enqueue(ReadOnlySpan<byte> lines)
    {
        if (_carryLength > 0)
        {
            int nl = lines.IndexOf((byte)'\n');
            int take = nl < 0 ? lines.Length : nl + 1;
            Carry(lines[..take]);
            lines = lines[take..];
            if (nl < 0)
            {
                return;
            }

            if (_carry is not null)
            {
                EnqueueWhole(_carry.AsSpan(0, _carryLength));
            }

            _carryLength = 0;
        }

        int last = lines.LastIndexOf((byte)'\n');
        if (last + 1 < lines.Length)
        {
            Carry(lines[(last + 1)..]);
            lines = lines[..(last + 1)];
        }

        if (!lines.IsEmpty)
        {
            EnqueueWhole(lines);
        }
    }

    private void Carry(ReadOnlySpan<byte> part)
    {
        if (_carryLength + part.Length > MaxCarryBytes)
        {
            if (_carry is not null)
            {
                Interlocked.Increment(ref _droppedTooLong);
            }

            _carry = null; // dropped; the rest of this record is skipped up to its newline
            _carryLength = 1;
            return;
        }

        if (_carryLength > 0 && _carry is null)
        {
            return; // still skipping a dropped record
        }

        if (_carry is null || _carry.Length < _carryLength + part.Length)
        {
            Array.Resize(ref _carry, Math.Max(1024, (_carryLength + part.Length) * 2));
        }

        part.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += part.Length;
    }

    private void EnqueueWhole(ReadOnlySpan<byte> lines)
    {
        while (!lines.IsEmpty)
        {
            long room = _options.QueueBytes - Interlocked.Read(ref _queuedBytes);
            if (lines.Length > room && _options.WaitWhenFull)
            {
                room = WaitForRoom((int)Math.Min(lines.Length, _options.QueueBytes));
            }

            if (lines.Length <= room)
            {
                Add(lines);
                return;
            }

            // The whole records that fit go in; the rest waits for room (reading a capture) or is dropped (the
            // receiver is away or too slow).
            int cut = room > 0 ? lines[..(int)Math.Min(room, lines.Length)].LastIndexOf((byte)'\n') + 1 : 0;
            if (cut > 0)
            {
                Add(lines[..cut]);
                lines = lines[cut..];
            }

            if (cut == 0 || !_options.WaitWhenFull || _stalled)
            {
                Interlocked.Add(ref _droppedQueueFull, CountRecords(lines));
                return;
            }
        }
    }

    private void Add(ReadOnlySpan<byte> lines)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(lines.Length);
        lines.CopyTo(buffer);
        Interlocked.Add(ref _queuedBytes, lines.Length);
        Interlocked.Add(ref _pendingRecords, CountRecords(lines));
        if (!_queue.Writer.TryWrite(new Segment(buffer, lines.Length, NowMicroseconds())))
        {
            Release(new Segment(buffer, lines.Length, 0)); // after Finish: stays counted as not delivered
        }
    }

    /// <summary>
    /// Reading a capture, nothing is lost by waiting: waits until the queue has room for <paramref name="length"/>
    /// bytes, or the sender made no progress for <see cref="SyslogOptions.FlushTimeout"/> (receiver away). Returns the room.
    /// </summary>
    private long WaitForRoom(int length)
    {
        while (true)
        {
            _released.Reset();
            long room = _options.QueueBytes - Interlocked.Read(ref _queuedBytes);
            if (room >= length || _stalled || _finished || _thread is not { IsAlive: true })
            {
                return room;
            }

            if (!_released.Wait(_options.FlushTimeout))
            {
                _stalled = true; // dropped from here on, until the receiver takes records again
            }
        }
    }

    private long NowMicroseconds() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;

    /// <summary>Records in whole lines, plus an unterminated last one.</summary>
    private static int CountRecords(ReadOnlySpan<byte> lines) =>
        lines.IsEmpty ? 0 : lines.Count((byte)'\n') + (lines[^1] == (byte)'\n' ? 0 : 1);

    /// <summary>
    /// Ends the run: no more records; waits for the queue to reach the receiver while it makes progress (at most
    /// <see cref="SyslogOptions.FlushTimeout"/> without any, <see cref="SyslogOptions.MaxFlushTime"/> in all), then
    /// stops the sender and counts what was not delivered.
    /// </summary>
    public SyslogStatistics Finish()
    {
        if (!_finished)
        {
            if (_carryLength > 0 && _carry is not null)
            {
                EnqueueWhole(_carry.AsSpan(0, _carryLength));
            }

            _carryLength = 0;
            _queue.Writer.TryComplete();
            if (_thread is not null && !WaitForSender())
            {
                _abort.Cancel();
                Interlocked.Exchange(ref _socket, null)?.Dispose(); // interrupts a blocked send
                _thread.Join(StopTimeout);
            }

            _finished = true;
        }

        return Statistics;
    }

    /// <summary>True when the sender emptied the queue; false when it stalled or took too long.</summary>
    private bool WaitForSender()
    {
        var total = System.Diagnostics.Stopwatch.StartNew();
        long pending = Interlocked.Read(ref _pendingRecords);
        while (!_thread!.Join(_options.FlushTimeout))
        {
            long now = Interlocked.Read(ref _pendingRecords);
            if (now == pending || total.Elapsed >= _options.MaxFlushTime)
            {
                return false;
            }

            pending = now;
        }

        return true;
    }

    public void Dispose()
    {
        Finish();
        _abort.Dispose();
        _released.Dispose();
    }

    private void Run()
    {
        var reader = _queue.Reader;
        Segment current = default;
        bool holding = false;
        int position = 0;
        try
        {
            while (!_abort.IsCancellationRequested)
            {
                if (!holding)
                {
                    if (!reader.TryRead(out current))
                    {
                        if (!reader.WaitToReadAsync(_abort.Token).AsTask().GetAwaiter().GetResult())
                        {
                            break; // finished and empty
                        }

                        continue;
                    }

                    holding = true;
                    position = 0;
                }

                if (_socket is null && !Connect())
                {
                    Backoff();
                    continue;
                }

                var data = current.Buffer.AsSpan(0, current.Length);
                position = _options.Endpoint.Transport == SyslogTransport.Tcp
                    ? SendTcp(data, position, current.UnixMicroseconds)
                    : SendUdp(data, position, current.UnixMicroseconds);
                if (position >= current.Length)
                {
                    Release(current);
                    holding = false;
                }
                else
                {
                    Backoff(); // the connection failed part-way: the rest waits for the next one
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (holding)
            {
                Release(current);
            }

            while (reader.TryRead(out var rest))
            {
                Release(rest);
            }

            Disconnect();
        }
    }

    private void Release(Segment segment)
    {
        Interlocked.Add(ref _queuedBytes, -segment.Length);
        ArrayPool<byte>.Shared.Return(segment.Buffer);
        _stalled = false;
        _released.Set();
    }

    /// <summary>The next record at <paramref name="position"/> (without its newline) and where the one after starts.</summary>
    private static ReadOnlySpan<byte> NextRecord(ReadOnlySpan<byte> data, int position, out int next)
    {
        int nl = data[position..].IndexOf((byte)'\n');
        int end = nl < 0 ? data.Length : position + nl;
        next = nl < 0 ? data.Length : end + 1;
        return data[position..end];
    }

    /// <summary>Gathers framed messages into writes; returns where the first record not yet sent starts.</summary>
    private int SendTcp(ReadOnlySpan<byte> data, int position, long timestamp)
    {
        var socket = _socket!;
        if (PeerClosed(socket))
        {
            ConnectionLost("the receiver closed the connection");
            return position;
        }

        while (position < data.Length)
        {
            int fill = 0, records = 0, tooLong = 0, p = position;
            while (p < data.Length)
            {
                var record = NextRecord(data, p, out int next);
                if (record.IsEmpty)
                {
                    p = next;
                    continue;
                }

                var kind = Rfc5424Formatter.RecordKind(record);
                if (_format.HeaderLength(kind.Length) + record.Length > _options.MaxMessageBytes)
                {
                    tooLong++;
                    p = next;
                    continue;
                }

                int n = _format.Format(_batch.AsSpan(fill), timestamp, kind, record, octetCounted: true);
                if (n < 0)
                {
                    break; // the batch is full; this record starts the next one
                }

                fill += n;
                records++;
                p = next;
            }

            try
            {
                SendAll(socket, _batch.AsSpan(0, fill));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
            {
                ConnectionLost(e.Message);
                return position;
            }

            Delivered(records, tooLong);
            position = p;
        }

        return position;
    }

    /// <summary>One datagram per message; returns where the first record not yet sent starts.</summary>
    private int SendUdp(ReadOnlySpan<byte> data, int position, long timestamp)
    {
        var socket = _socket!;
        while (position < data.Length)
        {
            var record = NextRecord(data, position, out int next);
            if (!record.IsEmpty)
            {
                var kind = Rfc5424Formatter.RecordKind(record);
                if (_format.HeaderLength(kind.Length) + record.Length > _options.MaxMessageBytes)
                {
                    Delivered(0, 1);
                    position = next;
                    continue;
                }

                int n = _format.Format(_batch, timestamp, kind, record, octetCounted: false);
                try
                {
                    socket.Send(_batch.AsSpan(0, n));
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // ECONNREFUSED: an ICMP port unreachable answered an earlier datagram (the receiver is away).
                    ConnectionLost(e.Message);
                    return position;
                }

                Delivered(1, 0);
            }

            position = next;
        }

        return position;
    }

    private void Delivered(int records, int tooLong)
    {
        Interlocked.Add(ref _sent, records);
        Interlocked.Add(ref _droppedTooLong, tooLong);
        Interlocked.Add(ref _pendingRecords, -(records + tooLong));
        _backoff = InitialBackoff;
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int n = socket.Send(bytes);
            bytes = bytes[n..];
        }
    }

    /// <summary>A syslog receiver never sends: a readable socket with nothing to read is a closed connection.</summary>
    private static bool PeerClosed(Socket socket)
    {
        try
        {
            if (!socket.Poll(0, SelectMode.SelectRead))
            {
                return false;
            }

            if (socket.Available == 0)
            {
                return true;
            }

            Span<byte> discard = stackalloc byte[512];
            while (socket.Available > 0)
            {
                socket.Receive(discard);
            }

            return false;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    private bool Connect()
    {
        var endpoint = _options.Endpoint;
        string failure;
        try
        {
            IPAddress[] addresses = IPAddress.TryParse(endpoint.Host, out var literal)
                ? [literal]
                : Dns.GetHostAddressesAsync(endpoint.Host, _abort.Token).GetAwaiter().GetResult();
            failure = $"{endpoint.Host}: no address";
            for (int i = 0; i < addresses.Length; i++)
            {
                var address = addresses[(_addressCursor + i) % addresses.Length];
                var socket = endpoint.Transport == SyslogTransport.Tcp
                    ? new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendTimeout = (int)SendTimeout.TotalMilliseconds }
                    : new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                    timeout.CancelAfter(ConnectTimeout);
                    socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), timeout.Token).AsTask().GetAwaiter().GetResult();
                    _socket = socket;
                    Interlocked.Increment(ref _connections);
                    if (_outage)
                    {
                        _options.Warn?.Invoke($"{_name}: connected again; sending the {Interlocked.Read(ref _pendingRecords)} queued records");
                        _outage = false;
                    }

                    return true;
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    socket.Dispose();
                    failure = e is OperationCanceledException ? "connection timed out" : e.Message;
                    if (_abort.IsCancellationRequested)
                    {
                        return false;
                    }
                }
            }
        }
        catch (SocketException e)
        {
            failure = $"cannot resolve {endpoint.Host}: {e.Message}";
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        Trouble($"cannot connect: {failure}");
        return false;
    }

    private void ConnectionLost(string reason)
    {
        _addressCursor++;
        Disconnect();
        Trouble(reason);
    }

    /// <summary>Says once per outage that the receiver is away (and again when it is back, <see cref="Connect"/>).</summary>
    private void Trouble(string reason)
    {
        if (!_outage && !_abort.IsCancellationRequested)
        {
            _outage = true;
            _options.Warn?.Invoke($"{_name}: {reason}; queueing records (up to {_options.QueueBytes >> 20} MiB) and retrying");
        }
    }

    private void Disconnect() => Interlocked.Exchange(ref _socket, null)?.Dispose();

    private void Backoff()
    {
        _abort.Token.WaitHandle.WaitOne(_backoff);
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
    }
}
