using Sniffer.Capture;
using Sniffer.Flows;

namespace Sniffer.Pipeline;

/// <summary>What a run did, for the exit code and the end-of-run report.</summary>
public sealed class RunResult
{
    public int ExitCode;
    /// <summary>One-line error for stderr when <see cref="ExitCode"/> is not 0.</summary>
    public string? Error;
    public List<string> Warnings { get; } = [];
    public ProcessorStatistics Totals { get; } = new();
    public CaptureStatistics? Capture;
    public long PacketsDropped;
    public long PacketsFilteredOut;
    /// <summary>What the syslog sender did (<c>--syslog</c>).</summary>
    public Output.Delivery.SyslogStatistics? Syslog;
    public bool Interrupted;
    public bool OutputClosed;
    public IReadOnlyCollection<int> UnsupportedLinkTypes { get; set; } = [];
    /// <summary>What was seen per watched port (when port_summary records or <see cref="SnifferOptions.CollectPortSummary"/>).</summary>
    public Output.PortSummary? PortSummary;
    /// <summary>Process attribution's counters, when it was on.</summary>
    public Attribution.AttributionStatistics? Attribution;
}

/// <summary>
/// Wires the pipeline: capture thread → bounded channels of pooled packet batches → worker thread(s), each with
/// its own flow table, detector and JSON writer → one output thread. Stopping (signal, end of input, closed
/// output, capture error) always drains the channels and writes every open flow's record before returning.
/// </summary>
public static class SnifferPipeline
{
    public static RunResult Run(IPacketSource source, SnifferOptions options, Stream output, string outputName,
        BpfFilter? filter, CancellationToken stop, Func<Stream>? reopenOutput = null, Action<Action>? onReopenSignal = null)
    {
        var result = new RunResult();
        int workers = WorkerCount.Resolve(options.Workers, source.IsLive);
        using var captureStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var writer = new OutputWriter(output, outputName) { OnFailure = () => SafeCancel(captureStop), Reopen = reopenOutput };
        onReopenSignal?.Invoke(writer.RequestReopen);
        using var syslog = options.Syslog is null ? null : new Output.Delivery.SyslogSender(options.Syslog);
        writer.Syslog = syslog;
        syslog?.Start();
        writer.Start();

        var pool = PacketBatch.CreatePool(workers * (Dispatcher.ChannelCapacity + 2));
        var dispatcher = new Dispatcher(workers, source.IsLive, filter, pool);
        bool writeSummary = (options.Records & Output.RecordKinds.PortSummary) != 0;
        var summary = writeSummary || options.CollectPortSummary ? new Output.PortSummary(options.IsSummarised) : null;
        Attribution.ProcessResolver? processes = null;
        if (options.ProcessAttribution)
        {
            processes = Attribution.ProcessResolver.TryCreate(options.ProcessResolver, out string? unavailable);
            if (unavailable is not null)
            {
                result.Warnings.Add(unavailable);
            }

            processes?.Start();
        }

        var processors = new PacketProcessor[workers];
        var threads = new Thread[workers];
        Exception?[] workerErrors = new Exception?[workers];
        for (int i = 0; i < workers; i++)
        {
            var processor = new PacketProcessor(options, writer, summary, processes);
            processors[i] = processor;
            var reader = dispatcher.Reader(i);
            int index = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                    {
                        while (reader.TryRead(out var batch))
                        {
                            processor.Process(batch);
                            pool.Return(batch);
                        }
                    }

                    processor.Finish(stop.IsCancellationRequested ? FlowEndReason.Shutdown : FlowEndReason.EndOfInput);
                }
                catch (Exception e)
                {
                    workerErrors[index] = e;
                    SafeCancel(captureStop);
                }
            })
            { Name = $"sniffer-worker-{i}", IsBackground = true };
            threads[i].Start();
        }

        var monitor = options.Monitor ?? new PipelineMonitor();
        monitor.Attach(source, dispatcher, processors);
        using var stats = StatsReporter.Start(options, monitor, writer, source.IsLive);
        Exception? captureError = null;
        var captureThread = new Thread(() =>
        {
            try
            {
                source.Run(dispatcher, captureStop.Token);
            }
            catch (Exception e)
            {
                captureError = e;
            }
            finally
            {
                dispatcher.Complete();
            }
        })
        { Name = "sniffer-capture", IsBackground = true };
        summary?.Observer = options.Observer; // before the first port_summary record is written
        captureThread.Start();
        int interval = options.PortSummaryIntervalSeconds;
        while (!captureThread.Join(interval > 0 ? interval * 1000 : Timeout.Infinite))
        {
            WriteSummary(writeSummary ? summary : null, writer, final: false);
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        WriteSummary(writeSummary ? summary : null, writer, final: true);
        stats?.Finish();
        result.PortSummary = summary;
        processes?.Dispose();
        result.Attribution = processes?.Statistics;

        writer.Complete();
        result.Syslog = syslog?.Finish();
        if (result.Syslog is { Lost: > 0 } lost)
        {
            result.Warnings.Add(lost.LossWarning());
        }

        if (!ReferenceEquals(writer.Current, output))
        {
            writer.Current.Dispose();
        }

        foreach (var p in processors)
        {
            p.Statistics.AddTo(result.Totals);
        }

        if (source is LiveCapture live)
        {
            live.UpdateKernelStatistics();
        }

        result.Capture = source.Statistics;
        result.PacketsDropped = dispatcher.PacketsDropped;
        result.PacketsFilteredOut = dispatcher.PacketsFilteredOut;
        result.Interrupted = stop.IsCancellationRequested;
        result.OutputClosed = writer.PipeClosed;
        if (source is CaptureFileReader file)
        {
            result.Warnings.AddRange(file.Warnings);
            result.UnsupportedLinkTypes = file.LinkTypes;
        }

        if (captureError is not null)
        {
            result.ExitCode = 1;
            result.Error = captureError is CaptureException ? captureError.Message : $"{source.Name}: capture failed: {captureError.Message}";
        }
        else if (writer.Error is not null)
        {
            result.ExitCode = 1;
            result.Error = writer.Error;
        }
        else if (Array.Find(workerErrors, e => e is not null) is { } workerError)
        {
            result.ExitCode = 70; // EX_SOFTWARE: a bug, never a user error
            result.Error = $"internal error: {workerError.GetType().Name}: {workerError.Message}";
        }

        return result;
    }

    private static void WriteSummary(Output.PortSummary? summary, OutputWriter writer, bool final)
    {
        if (summary is null)
        {
            return;
        }

        var buffer = new Output.PooledBufferWriter(writer);
        using var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        summary.Write(json, buffer, LiveCapture.NowNs(), final);
        buffer.Flush();
    }

    private static void SafeCancel(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
