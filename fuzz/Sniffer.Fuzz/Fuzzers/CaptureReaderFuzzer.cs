using Sniffer.Fuzz.Support;

using Sniffer.Capture;
using Sniffer.Tests.Support;

namespace Sniffer.Fuzz.Fuzzers;

/// <summary>
/// The input is a capture file read by <see cref="CaptureFileReader"/> into a sink. <see cref="CaptureException"/>
/// is the documented answer to a bad file; anything else escapes as a crash. Each input is read twice — from one
/// buffer and trickled through many short reads — and both reads must deliver the same packets, warnings and
/// error: where the pipe happens to cut the file must never change what is read.
/// </summary>
internal abstract class CaptureReaderFuzzer : IFuzzer
{
    /// <summary>Most short reads the trickled pass makes (each read goes through the pipe once).</summary>
    private const int MaxReads = 64;

    public abstract string Name { get; }

    public abstract string[] Dictionaries { get; }

    public abstract IEnumerable<(string Name, byte[] Bytes)> Seeds(SeedMaterial material);

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        byte[] file = input.ToArray();
        var whole = Read(new MemoryStream(file, writable: false));
        int chunk = Math.Max(1 + (int)(Fnv(file) % 509), (file.Length / MaxReads) + 1);
        var trickled = Read(new CollectingSink.TrickleStream(file, chunk));
        whole.AssertSameAs(trickled, chunk);
    }

    private static Outcome Read(Stream stream)
    {
        var sink = new CollectingSink();
        using var reader = new CaptureFileReader("fuzz", stream);
        string? error = null;
        try
        {
            reader.Run(sink, CancellationToken.None);
        }
        catch (CaptureException e)
        {
            error = e.Message;
        }

        foreach (var p in sink.Packets)
        {
            if (p.Data.Length > CaptureFileReader.MaxRecordLength)
            {
                throw new FuzzInvariantException($"a {p.Data.Length}-byte packet was delivered (limit {CaptureFileReader.MaxRecordLength})");
            }
        }

        if (reader.Statistics.PacketsRead != sink.Packets.Count)
        {
            throw new FuzzInvariantException($"PacketsRead {reader.Statistics.PacketsRead} but {sink.Packets.Count} packets delivered");
        }

        return new Outcome(sink, [.. reader.Warnings], error);
    }

    private static uint Fnv(ReadOnlySpan<byte> data)
    {
        uint h = 2166136261;
        foreach (byte b in data)
        {
            h = (h ^ b) * 16777619;
        }

        return h;
    }

    private sealed record Outcome(CollectingSink Sink, List<string> Warnings, string? Error)
    {
        public void AssertSameAs(Outcome other, int chunk)
        {
            var a = Sink.Packets;
            var b = other.Sink.Packets;
            string where = $"reading in {chunk}-byte pieces changed the result";
            if (a.Count != b.Count)
            {
                throw new FuzzInvariantException($"{where}: {a.Count} vs {b.Count} packets (errors: '{Error}' vs '{other.Error}')");
            }

            for (int i = 0; i < a.Count; i++)
            {
                if (a[i].LinkType != b[i].LinkType || a[i].Ts != b[i].Ts || a[i].Wire != b[i].Wire || !a[i].Data.AsSpan().SequenceEqual(b[i].Data))
                {
                    throw new FuzzInvariantException($"{where}: packet {i} differs");
                }
            }

            if (Error != other.Error || !Warnings.SequenceEqual(other.Warnings))
            {
                throw new FuzzInvariantException($"{where}: '{Error}' [{string.Join("; ", Warnings)}] vs '{other.Error}' [{string.Join("; ", other.Warnings)}]");
            }
        }
    }
}
