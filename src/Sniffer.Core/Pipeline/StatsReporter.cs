using Sniffer.Output;

namespace Sniffer.Pipeline;

/// <summary>
/// Writes <c>stats</c> records (<c>--stats N</c>): every N seconds from a timer during live capture, and one final
/// record at the end of every run (files too, stamped with packet time). Reads the counters through the
/// <see cref="PipelineMonitor"/>; the packet path does nothing for it.
/// </summary>
public sealed class StatsReporter : IDisposable
{
    private readonly PipelineMonitor _monitor;
    private readonly IChunkSink _sink;
    private readonly bool _live;
    private readonly Output.Delivery.ObserverFields? _observer;
    private readonly Lock _lock = new();
    private readonly Timer? _timer;
    private bool _stopped;

    private StatsReporter(PipelineMonitor monitor, IChunkSink sink, bool live, int intervalSeconds, Output.Delivery.ObserverFields? observer)
    {
        _observer = observer;
        _monitor = monitor;
        _sink = sink;
        _live = live;
        if (live)
        {
            var period = TimeSpan.FromSeconds(intervalSeconds);
            _timer = new Timer(static s => ((StatsReporter)s!).Write(final: false), this, period, period);
        }
    }

    /// <summary>A reporter when <c>--stats</c> is on and stats records are selected; otherwise null.</summary>
    public static StatsReporter? Start(SnifferOptions options, PipelineMonitor monitor, IChunkSink sink, bool live) =>
        options.StatsIntervalSeconds > 0 && (options.Records & RecordKinds.Stats) != 0
            ? new StatsReporter(monitor, sink, live, options.StatsIntervalSeconds, options.Observer)
            : null;

    /// <summary>Stops the timer and writes the final record (call after the workers finished, before the output closes).</summary>
    public void Finish()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _timer?.Dispose();
            WriteLocked(final: true);
            _stopped = true;
        }
    }

    private void Write(bool final)
    {
        lock (_lock)
        {
            if (!_stopped)
            {
                WriteLocked(final);
            }
        }
    }

    private void WriteLocked(bool final)
    {
        var counters = _monitor.Read(refreshPcap: _live);
        long timestamp = _live ? counters.NowNs : counters.PacketTimeNs ?? counters.NowNs;
        var buffer = new PooledBufferWriter(_sink);
        StatsRecord.Write(buffer, counters, timestamp, final, _observer);
        buffer.Flush();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
            _timer?.Dispose();
        }
    }
}
