using Sniffer.Fuzz.Support;

namespace Sniffer.Fuzz;

/// <summary>
/// One fuzz target, in the layout of dotnet/runtime's <c>src/libraries/Fuzzing/</c>: a name (the command-line
/// argument and the folder under <c>fuzz/corpora/</c> and <c>fuzz/findings/</c>), the AFL dictionaries that fit
/// its input, the target itself, and the seed inputs <c>--make-seeds</c> writes.
/// </summary>
internal interface IFuzzer
{
    /// <summary>Harness name, e.g. <c>pcap-reader</c>.</summary>
    string Name { get; }

    /// <summary>Files under <c>fuzz/dictionaries/</c> handed to afl-fuzz with <c>-x</c> (at most 4).</summary>
    string[] Dictionaries { get; }

    /// <summary>
    /// Runs one input. Hostile input must come back as the target's documented answer (a status, an anomaly
    /// counter, a <see cref="Sniffer.Capture.CaptureException"/> for a bad capture file); anything that escapes
    /// from here is a crash, and so is a broken invariant (the harness throws <see cref="FuzzInvariantException"/>).
    /// </summary>
    void FuzzTarget(ReadOnlySpan<byte> input);

    /// <summary>Seed inputs (file name, bytes) for <c>fuzz/corpora/&lt;Name&gt;/</c>.</summary>
    IEnumerable<(string Name, byte[] Bytes)> Seeds(SeedMaterial material);
}

/// <summary>A harness found the code under test breaking one of its own documented promises.</summary>
public sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException()
    {
    }

    public FuzzInvariantException(string message) : base(message)
    {
    }

    public FuzzInvariantException(string message, Exception inner) : base(message, inner)
    {
    }
}
