using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sniffer.Output.Delivery;
using Xunit;

namespace Sniffer.Tests.Delivery;

/// <summary>
/// A minimal syslog receiver in the test process (loopback only): TCP with RFC 6587 octet counting, or UDP one
/// message per datagram. Keeps every message it got; can be stopped and started again on the same port.
/// </summary>
internal sealed class TestSyslogReceiver : IDisposable
{
    private readonly SyslogTransport _transport;
    private Socket? _listener;
    private readonly List<Task> _readers = [];
    private readonly Lock _connections = new();
    private CancellationTokenSource _stop = new();

    private readonly IPAddress _address;

    public TestSyslogReceiver(SyslogTransport transport, int port = 0, int readDelayMs = 0, int readBytes = 65536, bool ipv6 = false)
    {
        _transport = transport;
        _address = ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        ReadDelayMs = readDelayMs;
        ReadBytes = readBytes;
        Start(port);
    }

    public int Port { get; private set; }

    public ConcurrentQueue<string> Messages { get; } = new();

    public int Accepted;

    /// <summary>A slow receiver: pause after each read (TCP) of at most <see cref="ReadBytes"/> bytes.</summary>
    public int ReadDelayMs { get; }

    public int ReadBytes { get; }

    public void Start(int port)
    {
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        var s = new Socket(_address.AddressFamily, _transport == SyslogTransport.Tcp ? SocketType.Stream : SocketType.Dgram,
            _transport == SyslogTransport.Tcp ? ProtocolType.Tcp : ProtocolType.Udp);
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        if (ReadDelayMs > 0)
        {
            s.ReceiveBufferSize = 65536; // inherited by accepted sockets: little room in the kernel either
        }

        s.Bind(new IPEndPoint(_address, port));
        Port = ((IPEndPoint)s.LocalEndPoint!).Port;
        _listener = s;
        if (_transport == SyslogTransport.Udp)
        {
            _ = Task.Run(() =>
            {
                var buffer = new byte[70_000];
                try
                {
                    while (!token.IsCancellationRequested)
                    {
                        int n = s.Receive(buffer);
                        Messages.Enqueue(Encoding.UTF8.GetString(buffer, 0, n));
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            });
            return;
        }

        s.Listen(16);
        _ = Task.Run(async () =>
        {
            try
            {
                while (!token.IsCancellationRequested)
                {
                    var c = await s.AcceptAsync(token);
                    Interlocked.Increment(ref Accepted);
                    lock (_connections)
                    {
                        _readers.Add(Task.Run(() => ReadFrames(c, token)));
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        });
    }

    /// <summary>Reads octet-counted frames until the peer closes or the receiver stops; then closes the socket itself, like an exiting process.</summary>
    private void ReadFrames(Socket c, CancellationToken stop)
    {
        var pending = new List<byte>();
        var buffer = new byte[ReadBytes];
        using var _ = c;
        try
        {
            while (true)
            {
                if (!c.Poll(20_000, SelectMode.SelectRead))
                {
                    if (stop.IsCancellationRequested)
                    {
                        return;
                    }

                    continue;
                }

                if (stop.IsCancellationRequested)
                {
                    return; // unread data stays unread, as when a receiver dies
                }

                int n = c.Receive(buffer);
                if (n == 0)
                {
                    return;
                }

                if (ReadDelayMs > 0)
                {
                    Thread.Sleep(ReadDelayMs);
                }

                pending.AddRange(buffer.AsSpan(0, n).ToArray());
                while (true)
                {
                    int space = pending.IndexOf((byte)' ');
                    if (space < 0)
                    {
                        break;
                    }

                    int length = int.Parse(Encoding.ASCII.GetString(pending.GetRange(0, space).ToArray()), System.Globalization.CultureInfo.InvariantCulture);
                    if (pending.Count < space + 1 + length)
                    {
                        break;
                    }

                    Messages.Enqueue(Encoding.UTF8.GetString(pending.GetRange(space + 1, length).ToArray()));
                    pending.RemoveRange(0, space + 1 + length);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Closes the listener and every connection (the receiver "restarts").</summary>
    public void Stop()
    {
        _stop.Cancel();
        _listener?.Dispose();
        Task[] readers;
        lock (_connections)
        {
            readers = [.. _readers];
            _readers.Clear();
        }

        Task.WaitAll(readers, 5000); // each reader closes its connection within its next poll

    }

    public void Dispose() => Stop();

    /// <summary>The MSG part (after "- ") of each message.</summary>
    public List<string> Records() => Messages.Select(m => m[(m.IndexOf(" - ", StringComparison.Ordinal) + 3)..]).ToList();

    public bool WaitForCount(int count, int timeoutMs = 15_000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (Messages.Count < count && sw.ElapsedMilliseconds < timeoutMs)
        {
            Thread.Sleep(20);
        }

        return Messages.Count >= count;
    }

    /// <summary>A loopback port nobody listens on (bound, then released).</summary>
    public static int FreePort(SyslogTransport transport)
    {
        using var s = new Socket(AddressFamily.InterNetwork, transport == SyslogTransport.Tcp ? SocketType.Stream : SocketType.Dgram,
            transport == SyslogTransport.Tcp ? ProtocolType.Tcp : ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}

public class SyslogSenderTests
{
    private static string Record(int i, string kind = "flow_end", int pad = 20) =>
        $"{{\"@timestamp\":\"2026-01-01T00:00:00.000000000Z\",\"event\":{{\"action\":\"{kind}\"}},\"n\":{i},\"pad\":\"{new string('x', pad)}\"}}";

    private static byte[] Lines(IEnumerable<string> records) => Encoding.UTF8.GetBytes(string.Concat(records.Select(r => r + "\n")));

    private static SyslogOptions Options(SyslogTransport transport, int port, Action<string>? warn = null) => new()
    {
        Endpoint = new SyslogEndpoint(transport, "127.0.0.1", port),
        Hostname = "test-host",
        Warn = warn,
        FlushTimeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public void TcpMessagesAreOctetCountedRfc5424WithTheRecordAsMsg()
    {
        using var receiver = new TestSyslogReceiver(SyslogTransport.Tcp);
        using var sender = new SyslogSender(Options(SyslogTransport.Tcp, receiver.Port) with { Facility = 1 });
        sender.Start();
        var records = Enumerable.Range(0, 500).Select(i => Record(i, i % 2 == 0 ? "flow_end" : "protocol_detected")).ToList();
        sender.Enqueue(Lines(records.Take(200)));
        sender.Enqueue(Lines(records.Skip(200)));
        var stats = sender.Finish();

        Assert.True(receiver.WaitForCount(500));
        Assert.Equal(records, receiver.Records());
        Assert.Equal(500, stats.Sent);
        Assert.Equal(0, stats.Lost);
        Assert.Equal(1, stats.Connections);
        var first = receiver.Messages.First().Split(' ', 8);
        Assert.Equal("<14>1", first[0]); // user.info
        Assert.True(DateTimeOffset.TryParse(first[1], System.Globalization.CultureInfo.InvariantCulture, out _), first[1]);
        Assert.EndsWith("Z", first[1], StringComparison.Ordinal);
        Assert.Equal(["test-host", "sniffer", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "flow_end", "-"], first[2..7]);
        Assert.Equal("protocol_detected", receiver.Messages.ElementAt(1).Split(' ')[5]);
    }

    [Fact]
    public void UdpSendsOneMessagePerDatagram()
    {
        using var receiver = new TestSyslogReceiver(SyslogTransport.Udp);
        using var sender = new SyslogSender(Options(SyslogTransport.Udp, receiver.Port));
        sender.Start();
        var records = Enumerable.Range(0, 50).Select(i => Record(i, "port_summary")).ToList();
        sender.Enqueue(Lines(records));
        var stats = sender.Finish();
        Assert.True(receiver.WaitForCount(50));
        Assert.Equal(records, receiver.Records());
        Assert.All(receiver.Messages, m => Assert.StartsWith("<134>1 ", m, StringComparison.Ordinal)); // local0.info, no length prefix
        Assert.Equal(50, stats.Sent);
    }

    [Theory]
    [InlineData(SyslogTransport.Tcp)]
    [InlineData(SyslogTransport.Udp)]
    public void RecordsLongerThanTheLimitAreDroppedAndCountedNeverCut(SyslogTransport transport)
    {
        using var receiver = new TestSyslogReceiver(transport);
        using var sender = new SyslogSender(Options(transport, receiver.Port) with { MaxMessageBytes = 600 });
        sender.Start();
        string big = Record(1, pad: 600);
        sender.Enqueue(Lines([Record(0), big, Record(2)]));
        var stats = sender.Finish();
        Assert.True(receiver.WaitForCount(2));
        Thread.Sleep(100);
        Assert.Equal([Record(0), Record(2)], receiver.Records());
        Assert.Equal(2, stats.Sent);
        Assert.Equal(1, stats.DroppedTooLong);
        Assert.Equal(1, stats.Lost);
    }

    [Fact]
    public void AReceiverRestartLosesNothingQueuedMeanwhile()
    {
        var warnings = new ConcurrentQueue<string>();
        using var receiver = new TestSyslogReceiver(SyslogTransport.Tcp);
        using var sender = new SyslogSender(Options(SyslogTransport.Tcp, receiver.Port, warnings.Enqueue));
        sender.Start();
        sender.Enqueue(Lines(Enumerable.Range(0, 10).Select(i => Record(i))));
        Assert.True(receiver.WaitForCount(10));

        receiver.Stop(); // the receiver goes away while sniffer is idle
        Thread.Sleep(200);
        sender.Enqueue(Lines(Enumerable.Range(10, 10).Select(i => Record(i))));
        Assert.True(SpinWait.SpinUntil(() => !warnings.IsEmpty, 10_000), "the outage is reported");
        Thread.Sleep(500); // a few failed reconnects
        Assert.Equal(10, receiver.Messages.Count);
        sender.Enqueue(Lines(Enumerable.Range(20, 10).Select(i => Record(i))));

        receiver.Start(receiver.Port);
        Assert.True(receiver.WaitForCount(30), $"got {receiver.Messages.Count}");
        var stats = sender.Finish();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => Record(i)), receiver.Records());
        Assert.Equal(30, stats.Sent);
        Assert.Equal(0, stats.Lost);
        Assert.Equal(2, stats.Connections);
        Assert.Equal(2, warnings.Count); // away, then back
        Assert.Contains("connected again", warnings.Last(), StringComparison.Ordinal);
    }

    [Fact]
    public void AFullQueueDropsAndCountsTheNewestRecordsAndExitIsBounded()
    {
        int port = TestSyslogReceiver.FreePort(SyslogTransport.Tcp); // nobody listens
        var options = Options(SyslogTransport.Tcp, port) with { QueueBytes = 1000, FlushTimeout = TimeSpan.FromMilliseconds(300) };
        using var sender = new SyslogSender(options);
        sender.Start();
        string r = Record(0, pad: 7); // 100 bytes with its newline
        Assert.Equal(99, r.Length);
        sender.Enqueue(Lines(Enumerable.Repeat(r, 25)));
        sender.Enqueue(Lines(Enumerable.Repeat(r, 5)));
        Assert.True(sender.QueuedBytes <= 1000);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stats = sender.Finish();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the end of a run must not wait for an absent receiver");
        Assert.Equal(0, stats.Sent);
        Assert.Equal(10, stats.NotDelivered); // 10 × 100 bytes fit the queue
        Assert.Equal(20, stats.DroppedQueueFull);
        Assert.Equal(30, stats.Lost);
        Assert.Equal(0, stats.Connections);
    }

    [Fact]
    public void ReadingACaptureAFullQueueWaitsForTheReceiverInsteadOfDropping()
    {
        using var receiver = new TestSyslogReceiver(SyslogTransport.Tcp, readDelayMs: 1, readBytes: 4096);
        var options = Options(SyslogTransport.Tcp, receiver.Port) with { QueueBytes = 1000, WaitWhenFull = true };
        using var sender = new SyslogSender(options);
        sender.Start();
        var records = Enumerable.Range(0, 300).Select(i => Record(i, pad: 7 - (i >= 10 ? 1 : 0) - (i >= 100 ? 1 : 0))).ToList();
        Assert.All(records, r => Assert.Equal(99, r.Length));
        sender.Enqueue(Lines(records.Take(250))); // 25 times what the queue holds
        sender.Enqueue(Lines(records.Skip(250)));
        var stats = sender.Finish();
        Assert.Equal(300, stats.Sent);
        Assert.Equal(0, stats.Lost);
        Assert.True(receiver.WaitForCount(300));
        Assert.Equal(records, receiver.Records());
    }

    [Fact]
    public void ReadingACaptureWithoutAReceiverWaitsOnceThenDrops()
    {
        int port = TestSyslogReceiver.FreePort(SyslogTransport.Tcp);
        var options = Options(SyslogTransport.Tcp, port) with { QueueBytes = 1000, WaitWhenFull = true, FlushTimeout = TimeSpan.FromMilliseconds(300) };
        using var sender = new SyslogSender(options);
        sender.Start();
        string r = Record(0, pad: 7);
        sender.Enqueue(Lines(Enumerable.Repeat(r, 25))); // waits FlushTimeout for room that never comes
        sender.Enqueue(Lines(Enumerable.Repeat(r, 5)));  // stalled: dropped at once
        var stats = sender.Finish();
        Assert.Equal(10, stats.NotDelivered);
        Assert.Equal(20, stats.DroppedQueueFull);
    }

    [Fact]
    public void TheEndOfARunWaitsAsLongAsRecordsKeepFlowing()
    {
        // A slow receiver takes ~12 MB at a few MB/s: longer than the flush timeout, but never stalled. (The
        // timeout must exceed the kernel's wake-up granularity: a blocked writer wakes when a third of a send
        // buffer of up to 4 MB has drained.)
        using var receiver = new TestSyslogReceiver(SyslogTransport.Tcp, readDelayMs: 5, readBytes: 16384);
        var options = Options(SyslogTransport.Tcp, receiver.Port) with { FlushTimeout = TimeSpan.FromMilliseconds(1500), MaxFlushTime = TimeSpan.FromSeconds(60) };
        using var sender = new SyslogSender(options);
        sender.Start();
        var records = Enumerable.Range(0, 12_000).Select(i => Record(i, pad: 900)).ToList();
        for (int i = 0; i < records.Count; i += 500)
        {
            sender.Enqueue(Lines(records.Skip(i).Take(500)));
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stats = sender.Finish();
        Assert.Equal(12_000, stats.Sent);
        Assert.Equal(0, stats.NotDelivered);
        Assert.True(receiver.WaitForCount(12_000, 60_000));
        Assert.Equal(records, receiver.Records());
        Assert.True(watch.Elapsed > options.FlushTimeout, $"the receiver was not slow enough to test anything ({watch.Elapsed})");
    }

    [SkippableTheory]
    [InlineData(SyslogTransport.Tcp, "::1", true)]
    [InlineData(SyslogTransport.Udp, "::1", true)]
    [InlineData(SyslogTransport.Tcp, "localhost", false)]
    [InlineData(SyslogTransport.Udp, "localhost", false)]
    public void Ipv6LiteralsAndHostNames(SyslogTransport transport, string host, bool ipv6)
    {
        Skip.If(ipv6 && !Socket.OSSupportsIPv6, "no IPv6");
        using var receiver = new TestSyslogReceiver(transport, ipv6: ipv6);
        var options = Options(transport, receiver.Port) with { Endpoint = new SyslogEndpoint(transport, host, receiver.Port) };
        using var sender = new SyslogSender(options);
        sender.Start();
        sender.Enqueue(Lines([Record(0), Record(1)]));
        Assert.True(receiver.WaitForCount(2, 20_000), $"{receiver.Messages.Count} arrived");
        Assert.Equal([Record(0), Record(1)], receiver.Records());
        Assert.Equal(0, sender.Finish().Lost);
    }

    [Fact]
    public void ARecordSplitOverTwoCallsArrivesWhole()
    {
        using var receiver = new TestSyslogReceiver(SyslogTransport.Tcp);
        using var sender = new SyslogSender(Options(SyslogTransport.Tcp, receiver.Port));
        sender.Start();
        byte[] all = Lines([Record(0), Record(1), Record(2)]);
        sender.Enqueue(all.AsSpan(0, 150));
        sender.Enqueue(all.AsSpan(150, 10));
        sender.Enqueue(all.AsSpan(160));
        sender.Finish();
        Assert.True(receiver.WaitForCount(3));
        Assert.Equal([Record(0), Record(1), Record(2)], receiver.Records());
    }

    [Fact]
    public void AnUnresolvableHostIsRetriedNotFatal()
    {
        var warnings = new ConcurrentQueue<string>();
        var options = Options(SyslogTransport.Tcp, 514, warnings.Enqueue) with
        {
            Endpoint = new SyslogEndpoint(SyslogTransport.Tcp, "no-such-host.invalid", 514),
            FlushTimeout = TimeSpan.FromMilliseconds(200),
        };
        using var sender = new SyslogSender(options);
        sender.Start();
        sender.Enqueue(Lines([Record(0)]));
        Assert.True(SpinWait.SpinUntil(() => !warnings.IsEmpty, 30_000), "the failure is reported");
        Assert.Contains("no-such-host.invalid", warnings.First(), StringComparison.Ordinal);
        var stats = sender.Finish();
        Assert.Equal(1, stats.NotDelivered);
    }
}
