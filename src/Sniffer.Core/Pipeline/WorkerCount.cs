namespace Sniffer.Pipeline;

/// <summary>
/// How many identification workers to run when <c>--workers</c> is not given (<see cref="SnifferOptions.Workers"/>
/// = 0). A file is read straight into batches for one worker, which needs no sharding and keeps the output in
/// file order (deterministic); live capture uses the cores there are, leaving one to the capture thread and one
/// to the output and the kernel, at most <see cref="MaxAutomatic"/> (past that, run one sensor process per
/// PACKET_FANOUT group member instead: docs/capture.md).
/// </summary>
public static class WorkerCount
{
    /// <summary>Most workers chosen automatically.</summary>
    public const int MaxAutomatic = 8;

    public static int Resolve(int requested, bool live, int processorCount)
    {
        if (requested > 0)
        {
            return requested;
        }

        return live ? Math.Clamp(processorCount - 2, 1, MaxAutomatic) : 1;
    }

    public static int Resolve(int requested, bool live) => Resolve(requested, live, Environment.ProcessorCount);
}
