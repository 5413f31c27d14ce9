using System.Diagnostics;
using System.Globalization;
using Sniffer.CaptureGenerator;

// dotnet run -c Release --project bench/Sniffer.CaptureGenerator -- --flows 50000 --out bench/data/capture.pcap
Options options;
try
{
    options = Options.Parse(args);
}
catch (UsageException e)
{
    if (e.Message.Length > 0)
    {
        Console.Error.WriteLine($"sniffer-capgen: {e.Message}");
    }

    Console.Error.Write(Options.Usage);
    return 2;
}

var sw = Stopwatch.StartNew();
var generator = new Generator(options);
generator.Run();
Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sniffer-capgen: {options.Out}: {options.Flows} flows, {generator.Packets} packets, {generator.Bytes / 1e6:F1} MB in {sw.Elapsed.TotalSeconds:F1} s"));
return 0;
