using Sniffer.Fuzz.Support;
using System.Diagnostics;
using System.Security.Cryptography;
using Sniffer.Fuzz;
using Sniffer.Fuzz.Fuzzers;

IFuzzer[] fuzzers =
[
    new PcapReaderFuzzer(),
    new PcapngReaderFuzzer(),
    new DecodeChainFuzzer(),
    new FingerprinterFuzzer(),
    new TcpReassemblyFuzzer(),
    new PipelineFuzzer(),
];

const string Usage = """
    usage: Sniffer.Fuzz --list
           Sniffer.Fuzz HARNESS                      run under afl-fuzz (SharpFuzz out-of-process loop)
           Sniffer.Fuzz HARNESS --replay PATH...     run each file (directories: every file inside) once, in-process
           Sniffer.Fuzz --make-seeds CORPORA_DIR [--real PCAP_DIR]
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

// fuzz/out holds an instrumented Sniffer.Core.dll, whose every branch writes to the coverage map: outside afl-fuzz
// (--replay, --make-seeds) the map must exist all the same. Under afl-fuzz SharpFuzz points it at the shared memory.
unsafe
{
    SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
}

if (args[0] == "--list")
{
    foreach (var f in fuzzers)
    {
        Console.WriteLine($"{f.Name}\t{string.Join(',', f.Dictionaries)}");
    }

    return 0;
}

if (args[0] == "--make-seeds")
{
    if (args.Length < 2)
    {
        Console.Error.WriteLine(Usage);
        return 2;
    }

    string? real = args.Length >= 4 && args[2] == "--real" ? args[3] : null;
    var material = SeedMaterial.Load(real);
    foreach (var f in fuzzers)
    {
        string dir = Path.Combine(args[1], f.Name);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        long total = 0;
        int count = 0;
        foreach (var (name, bytes) in f.Seeds(material))
        {
            f.FuzzTarget(bytes); // a seed that crashes the harness is a bug to fix first, not a seed
            File.WriteAllBytes(Path.Combine(dir, name), bytes);
            total += bytes.Length;
            count++;
        }

        Console.WriteLine($"{f.Name}: {count} seeds, {total} bytes");
    }

    return 0;
}

var fuzzer = Array.Find(fuzzers, f => string.Equals(f.Name, args[0], StringComparison.OrdinalIgnoreCase) ||
                                      string.Equals(f.GetType().Name, args[0], StringComparison.OrdinalIgnoreCase));
if (fuzzer is null)
{
    Console.Error.WriteLine($"unknown harness '{args[0]}'; one of: {string.Join(", ", fuzzers.Select(f => f.Name))}");
    return 2;
}

if (args.Length == 1)
{
    // afl-fuzz keeps only the input of a crash; run.sh names a file where the exception goes too (for triage
    // of what does not reproduce in --replay, e.g. a crash that depends on the inputs run before it).
    string? exceptionLog = Environment.GetEnvironmentVariable("SNIFFER_FUZZ_EXCEPTION_LOG");
    SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var input = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        try
        {
            fuzzer.FuzzTarget(input);
        }
        catch (Exception e) when (exceptionLog is not null)
        {
            File.AppendAllText(exceptionLog, $"--- input of {input.Length} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(input))}\n{e}\n");
            throw;
        }
    });
    return 0;
}

if (args[1] != "--replay" || args.Length < 3)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var files = new List<string>();
foreach (string path in args[2..])
{
    if (Directory.Exists(path))
    {
        files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            // afl-fuzz writes a README.txt into crashes/ and keeps its own state in queue/.state/.
            .Where(p => Path.GetFileName(p) != "README.txt" && !Path.GetRelativePath(path, p).StartsWith('.'))
            .Order(StringComparer.Ordinal));
    }
    else if (File.Exists(path))
    {
        files.Add(path);
    }
    else
    {
        Console.Error.WriteLine($"{path}: no such file or directory");
        return 2;
    }
}

int crashed = 0;
var clock = Stopwatch.StartNew();
foreach (string file in files)
{
    byte[] input = File.ReadAllBytes(file);
    var one = Stopwatch.StartNew();
    try
    {
        fuzzer.FuzzTarget(input);
        if (one.ElapsedMilliseconds > 1000)
        {
            Console.WriteLine($"SLOW  {file}: {one.ElapsedMilliseconds} ms");
        }
    }
    catch (Exception e)
    {
        crashed++;
        Console.WriteLine($"CRASH {file}: {e}");
    }
}

Console.WriteLine($"{fuzzer.Name}: {files.Count} inputs replayed in {clock.ElapsedMilliseconds} ms, {crashed} crashed");
return crashed == 0 ? 0 : 1;
