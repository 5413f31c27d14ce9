using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Pipeline;

[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace Sniffer.Cli;

/// <summary>Entry point: parses the command line, wires capture → pipeline → output, reports, exits.</summary>
internal static class Program
{
    private const int ExitOk = 0;
    private const int ExitError = 1;
    private const int ExitUsage = 2;
    private const int ExitInterrupted = 130;

    private static int Main(string[] args)
    {
        InterruptSignal.RestoreDefault(); // before the runtime first looks at SIGINT
        CommandLine cl;
        try
        {
            cl = CommandLine.Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"sniffer: {e.Message}");
            return ExitUsage;
        }

        if (cl.Help)
        {
            Console.Out.Write(CommandLine.HelpText + "\n\n" + EnvironmentOptions.HelpSection(CommandLine.HelpText));
            return ExitOk;
        }

        if (cl.Version)
        {
            Console.Out.WriteLine($"sniffer {VersionText()}");
            return ExitOk;
        }

        try
        {
            if (cl.ListInterfaces)
            {
                foreach (var line in LiveCapture.ListInterfaces())
                {
                    Console.Out.WriteLine(line);
                }

                return ExitOk;
            }

            return Run(cl);
        }
        catch (CaptureException e)
        {
            Console.Error.WriteLine($"sniffer: {e.Message}");
            return ExitError;
        }
    }

    private static string VersionText() =>
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    private static int Run(CommandLine cl)
    {
        using var stop = new CancellationTokenSource();
        int signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) > 1)
            {
                Environment.Exit(ExitInterrupted); // a second signal: leave at once
            }

            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        IPacketSource source;
        BpfFilter? fileFilter = null;
        if (cl.ReadPath is not null)
        {
            source = CaptureFileReader.Open(cl.ReadPath);
            if (cl.Filter is not null)
            {
                fileFilter = new BpfFilter(cl.Filter);
            }
        }
        else
        {
            var live = new LiveCapture(new LiveCaptureOptions
            {
                Interface = cl.Interface!,
                Filter = cl.LiveFilter(),
                NonEthernetFilter = cl.LiveFilter(ethernet: false),
                SnapLength = cl.SnapLength,
                BufferSize = cl.BufferSize,
                Promiscuous = cl.Promiscuous,
            });
            live.Open();
            source = live;
            if (!cl.Quiet)
            {
                Console.Error.WriteLine($"sniffer: listening on {live.Name}, link-type {live.LinkType}, filter \"{live.FilterInUse}\"");
            }
        }

        using (source)
        using (fileFilter)
        {
            if (cl.User is not null)
            {
                Security.PrivilegeDrop.To(cl.User);
            }

            Stream output;
            string outputName;
            Func<Stream>? reopen = null;
            var rotation = cl.Delivery.Rotation;
            if (cl.WritePath is null && cl.Options.Syslog is not null)
            {
                output = Stream.Null; // --syslog replaces standard output (-w - keeps it)
                outputName = "syslog";
            }
            else if (cl.WritePath is null or "-")
            {
                output = Console.OpenStandardOutput();
                outputName = "stdout";
            }
            else
            {
                outputName = cl.WritePath;
                string path = cl.WritePath;
                reopen = () => OpenOutput(path, rotation);
                try
                {
                    output = OpenOutput(path, rotation);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Console.Error.WriteLine($"sniffer: {cl.WritePath}: cannot open for writing: {(e is UnauthorizedAccessException ? "permission denied" : e.Message)}");
                    return ExitError;
                }
            }

            using (output)
            {
                Action? requestReopen = null;
                using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
                {
                    context.Cancel = true;
                    requestReopen?.Invoke();
                });
                ProgressLine? progress = null;
                if (ProgressLine.Wanted(cl))
                {
                    var monitor = new PipelineMonitor();
                    cl.Options = cl.Options with { Monitor = monitor };
                    progress = new ProgressLine(monitor, Console.Error);
                }

                var result = SnifferPipeline.Run(source, cl.Options, output, outputName, fileFilter, stop.Token, reopen, r => requestReopen = r);
                progress?.Dispose();
                if (!cl.Quiet)
                {
                    Console.Error.Write(result.PortSummary is { } ports ? SummaryTable.Render(ports.Snapshot()) : "");
                    Report(source, result);
                }

                foreach (var w in result.Warnings)
                {
                    Console.Error.WriteLine($"sniffer: warning: {w}");
                }

                if (result.Error is not null)
                {
                    Console.Error.WriteLine($"sniffer: {result.Error}");
                    return result.ExitCode;
                }

                return ExitOk;
            }
        }
    }

    /// <summary>Opens (appending) the NDJSON output file, created with mode 0640, rotated as --rotate-* say.</summary>
    private static Output.Delivery.RotatingFileStream OpenOutput(string path, Output.Delivery.RotationOptions rotation) =>
        new(path, rotation, warn: m => Console.Error.WriteLine($"sniffer: warning: {m}"));

    private static void Report(IPacketSource source, RunResult r)
    {
        var t = r.Totals;
        var sb = new StringBuilder();
        sb.Append($"sniffer: {source.Name}: {r.Capture?.PacketsRead ?? 0} packets read");
        if (r.PacketsFilteredOut > 0)
        {
            sb.Append($", {r.PacketsFilteredOut} filtered out");
        }

        sb.Append($", {t.Decoded} TCP/UDP ({t.Decoded - t.NotWatched} on watched ports), {t.FlowsCreated} flows, {t.RecordsWritten} records");
        if (t.Fragments > 0)
        {
            sb.Append($", {t.Fragments} IP fragments ({t.Reassembled} datagrams rebuilt)");
        }

        if (t.FlowsEvicted > 0)
        {
            sb.Append($", {t.FlowsEvicted} flows evicted");
        }

        if (t.AfterClose > 0)
        {
            sb.Append($", {t.AfterClose} packets after close");
        }

        if (r.PacketsDropped > 0 || source.IsLive)
        {
            sb.Append($", {r.PacketsDropped} dropped by sniffer");
        }

        if (r.Capture?.KernelReceived is long received)
        {
            sb.Append($"; libpcap: {received} received, {r.Capture.KernelDropped} dropped, {r.Capture.InterfaceDropped} dropped by interface");
        }

        Console.Error.WriteLine(sb.ToString());
        var anomalies = new StringBuilder();
        for (var a = (Anomaly)0; a < Anomaly.Count; a++)
        {
            if (t.Anomalies[a] > 0)
            {
                anomalies.Append(anomalies.Length == 0 ? "" : ", ").Append($"{AnomalyCounters.Name(a)}={t.Anomalies[a]}");
            }
        }

        if (anomalies.Length > 0)
        {
            Console.Error.WriteLine($"sniffer: anomalies: {anomalies}");
        }

        if (r.Syslog is { } syslog)
        {
            Console.Error.WriteLine($"sniffer: {syslog.Summary()}");
        }

        if (r.Attribution is { } attribution)
        {
            Console.Error.WriteLine($"sniffer: {attribution.Summary()}");
        }

        if (Environment.GetEnvironmentVariable("SNIFFER_GC_STATS") == "1")
        {
            var gc = GC.GetGCMemoryInfo();
            Console.Error.WriteLine($"sniffer: gc: heap {gc.HeapSizeBytes >> 20} MiB, committed {gc.TotalCommittedBytes >> 20} MiB, " +
                $"collections gen0 {GC.CollectionCount(0)} gen1 {GC.CollectionCount(1)} gen2 {GC.CollectionCount(2)}, " +
                $"allocated {GC.GetTotalAllocatedBytes() >> 20} MiB, peak working set {Environment.WorkingSet >> 20} MiB");
        }

        foreach (int lt in r.UnsupportedLinkTypes)
        {
            if (!LinkType.IsSupported(lt))
            {
                Console.Error.WriteLine($"sniffer: warning: link type {lt} is not supported; its packets were skipped");
            }
        }
    }
}
