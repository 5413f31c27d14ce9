using System.Globalization;

namespace Sniffer.Attribution;

/// <summary>What attribution did, for the end-of-run report.</summary>
public sealed class AttributionStatistics
{
    /// <summary>Flows with a local endpoint whose look-up was queued.</summary>
    public long Requested;
    /// <summary>Look-ups not queued because the queue was full.</summary>
    public long Dropped;
    /// <summary>Look-ups skipped because their flow had already ended when their turn came.</summary>
    public long Skipped;
    public long Completed;
    /// <summary>Sides (server or client) per outcome, indexed by <see cref="LookupStatus"/>.</summary>
    public readonly long[] Sides = new long[8];
    public long Scans;
    /// <summary>Walks of only the processes born since the last full walk.</summary>
    public long NewProcessScans;
    public double ScanMsTotal;
    public double ScanMsMax;
    public int ScanProcesses;
    public int ScanDescriptors;
    /// <summary>Most processes one walk could not read (needs root or CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH).</summary>
    public int DeniedMax;
    /// <summary>Request → published, over completed look-ups.</summary>
    public double LatencyMsTotal;
    public double LatencyMsMax;
    /// <summary>Flows whose last record was written while their look-up was still running (after the bounded wait).</summary>
    public long WrittenPending;

    private static readonly LookupStatus[] ReportedOutcomes =
        [LookupStatus.Found, LookupStatus.Closed, LookupStatus.Exited, LookupStatus.NotFound, LookupStatus.Denied];

    /// <summary>One line for the end-of-run report.</summary>
    public string Summary()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"process attribution: {Requested} flows looked up");
        if (Dropped > 0 || Skipped > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" ({Dropped} dropped, queue full; {Skipped} skipped, flow already written)");
        }

        sb.Append(" (sides:");
        foreach (var s in ReportedOutcomes)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {Sides[(int)s]} {ProcessLookup.StatusName(s)}");
        }

        sb.Append(')');

        if (Completed > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; latency avg {LatencyMsTotal / Completed:0.0} ms, max {LatencyMsMax:0.0} ms");
        }

        if (Scans > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; {Scans} /proc walks ({ScanProcesses} processes, {ScanDescriptors} descriptors), avg {ScanMsTotal / Scans:0.00} ms, max {ScanMsMax:0.00} ms, {NewProcessScans} walks of new processes only");
        }

        if (WrittenPending > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; {WrittenPending} flows written pending");
        }

        if (DeniedMax > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; descriptors of {DeniedMax} process(es) unreadable (other users' processes need root, or CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH)");
        }

        return sb.ToString();
    }
}
