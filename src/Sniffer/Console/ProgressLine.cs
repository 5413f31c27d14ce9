using System.Globalization;
using System.Text;
using Sniffer.Pipeline;

namespace Sniffer.Cli;

/// <summary>
/// The one-line progress display on a terminal while a capture file is read: share of the file done (bytes read
/// for stdin and pipes), packets per second over the last second, flows, elapsed time. Redrawn from a timer every
/// <see cref="RefreshMs"/> by reading the pipeline's counters (the packet path does nothing for it); each redraw
/// is <c>\r</c> + text + erase-to-end-of-line, and <see cref="Dispose"/> leaves the line empty.
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    public const int RefreshMs = 250;
    /// <summary>The packet rate is measured over this many refreshes (one second).</summary>
    private const int RateWindow = 1000 / RefreshMs;
    private const string EraseToEndOfLine = "\x1b[K";

    private readonly PipelineMonitor _monitor;
    private readonly TextWriter _terminal;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private readonly Queue<(long Ns, long Packets)> _samples = new();
    private bool _stopped;
    private bool _drawn;

    public ProgressLine(PipelineMonitor monitor, TextWriter terminal)
    {
        _monitor = monitor;
        _terminal = terminal;
        _monitor.Attached += Draw; // the first line as soon as reading starts, then every RefreshMs
        _timer = new Timer(static s => ((ProgressLine)s!).Draw(), this, RefreshMs, RefreshMs);
    }

    /// <summary>
    /// A progress line is shown for a capture file when stderr is a terminal, -q is not given, and the records do
    /// not go to that terminal too (they would break the line): -w FILE, --summary-only, or stdout redirected.
    /// </summary>
    public static bool Wanted(CommandLine cl) =>
        cl.ReadPath is not null && !cl.Quiet && Terminal.IsTerminal(Terminal.StandardError) &&
        (cl.WritePath is not (null or "-") || cl.SummaryOnly || !Terminal.IsTerminal(Terminal.StandardOutput));

    private void Draw()
    {
        lock (_lock)
        {
            if (_stopped || !_monitor.IsAttached)
            {
                return;
            }

            var c = _monitor.Read();
            _samples.Enqueue((c.NowNs, c.Packets));
            while (_samples.Count > RateWindow + 1)
            {
                _samples.Dequeue();
            }

            var (firstNs, firstPackets) = _samples.Peek();
            double seconds = (c.NowNs - firstNs) / 1e9;
            double rate = seconds > 0 ? (c.Packets - firstPackets) / seconds : 0;
            _terminal.Write("\r" + Format(c, rate) + EraseToEndOfLine);
            _terminal.Flush();
            _drawn = true;
        }
    }

    /// <summary>"sniffer: 42.0% of 1.2 GiB, 153,402 pkt/s, 12,345 flows, 0:00:12".</summary>
    public static string Format(in PipelineCounters c, double packetsPerSecond)
    {
        var sb = new StringBuilder("sniffer: ");
        long consumed = c.InputBytesConsumed ?? 0;
        if (c.InputLength is long length and > 0)
        {
            double percent = Math.Min(100.0, 100.0 * consumed / length);
            sb.Append(CultureInfo.InvariantCulture, $"{percent:0.0}% of {Size(length)}");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Size(consumed)} read");
        }

        long elapsed = Math.Max(0, (c.NowNs - c.StartNs) / 1_000_000_000L);
        sb.Append(CultureInfo.InvariantCulture, $", {packetsPerSecond:#,0} pkt/s, {c.FlowsCreated:#,0} flows, ");
        sb.Append(CultureInfo.InvariantCulture, $"{elapsed / 3600}:{elapsed / 60 % 60:00}:{elapsed % 60:00}");
        return sb.ToString();
    }

    /// <summary>Binary units, one decimal: "812 B", "1.2 GiB".</summary>
    public static string Size(long bytes)
    {
        if (bytes < 1024)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
        }

        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{v:0.0} {units[u]}");
    }

    /// <summary>Stops redrawing and erases the line.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _timer.Dispose();
            if (_drawn)
            {
                _terminal.Write("\r" + EraseToEndOfLine);
                _terminal.Flush();
            }
        }
    }
}
